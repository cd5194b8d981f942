"""all_layers (issue 14, item 5): one table per layer, published together and owned like any
other — each `<table>_<layer>` name is claimed at inspection (once the layers are known) and
again at publish; a name someone else owns fails the load before anything is staged."""

import uuid

from tests.integration.vector_support import finish, put_blob, query
from tests.vector_samples import geodataframe, geopackage


def layered(*names: str) -> bytes:
    """A GeoPackage whose n-th layer has n + 2 features (none for a layer named "empty")."""
    return geopackage(
        {name: geodataframe(0 if name == "empty" else i + 2) for i, name in enumerate(names)}
    )


def submit(client, platform, data: bytes, table: str, headers: dict, **extra):
    blob = put_blob(platform, data, "layers.gpkg")
    return client.post(
        "/api/jobs/submit/process_vector",
        json={"blob_name": blob, "table_name": table, **extra},
        headers=headers,
    )


def owners(platform, names: list[str]) -> dict[str, str]:
    rows = query(
        platform,
        "SELECT resource_name, owner FROM app.ownership WHERE resource_kind = 'table' "
        "AND resource_name = ANY(%s)",
        names,
    )
    return dict(rows)


def test_every_layer_gets_its_own_owned_table_in_one_publish(platform_with, key_for):
    client = platform_with()
    platform = client.app.state.platform
    alice = key_for("submitter", name=f"alice-{uuid.uuid4().hex[:6]}")
    base = f"atlas_{uuid.uuid4().hex[:6]}"
    submitted = submit(
        client, platform, layered("Roads", "Parcels 2024", "empty"), base, alice, all_layers=True
    )
    assert submitted.status_code == 202, submitted.text
    job = finish(platform, submitted.json()["job_id"])
    assert job["status"] == "completed", job["error"]
    tables = [f"{base}_roads", f"{base}_parcels_2024"]
    assert sorted(job["result"]["tables"]) == sorted(tables)
    assert [query(platform, f'SELECT count(*) FROM geo."{t}"')[0][0] for t in tables] == [2, 3]
    owner = owners(platform, [base])[base]
    assert owner.startswith("key:alice-") and set(owners(platform, tables).values()) == {owner}
    assert client.get(f"/api/features/collections/{base}_roads").json()["id"] == f"{base}_roads"

    stranger = submit(client, platform, layered("x"), f"{base}_roads", key_for("submitter"))
    assert stranger.status_code == 409 and "is owned by key:alice-" in stranger.json()["detail"]

    rerun = finish(
        platform,
        submit(client, platform, layered("Roads"), base, alice, all_layers=True).json()["job_id"],
    )
    assert rerun["status"] == "completed", rerun["error"]
    assert rerun["result"]["tables"] == [f"{base}_roads"]
    assert query(platform, "SELECT to_regclass(%s)", f"geo.{base}_parcels_2024") == [
        (None,)
    ]  # retired


def test_a_layer_name_owned_by_someone_else_fails_the_load_before_it_stages(platform_with, key_for):
    client = platform_with()
    platform = client.app.state.platform
    base = f"survey_{uuid.uuid4().hex[:6]}"
    bob = key_for("submitter", name=f"bob-{uuid.uuid4().hex[:6]}")
    assert (
        finish(
            platform, submit(client, platform, layered("x"), f"{base}_wells", bob).json()["job_id"]
        )["status"]
        == "completed"
    )
    submitted = submit(
        client, platform, layered("wells", "fields"), base, key_for("submitter"), all_layers=True
    )
    assert submitted.status_code == 202  # the layers are not known at submit
    job = finish(platform, submitted.json()["job_id"])
    assert job["status"] == "failed" and "is owned by key:bob-" in job["error"]
    assert query(
        platform, "SELECT to_regclass(%s), to_regclass(%s)", f"geo.{base}_fields", f"geo.{base}"
    ) == [(None, None)]
    staged = query(
        platform, "SELECT count(*) FROM app.vector_staging WHERE job_id = %s", job["job_id"]
    )
    assert staged == [(0,)]
