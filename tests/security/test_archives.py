"""Archives (issue 11, item 5): the many-small-members zip bomb is refused at upload, before
anything is decompressed or stored; a load unpacks only the members its dataset reads."""

import io
import os
import zipfile

import pytest

from tests.integration.vector_support import finish, put_blob, query, submit
from tests.vector_samples import geodataframe, repeated_member_zip, zipped_dataset

MiB = 1024 * 1024


def stored_uploads(platform, prefix: str) -> int:
    container = platform.blobs.client.get_container_client(platform.settings.bronze_container)
    return sum(1 for _ in container.list_blobs(name_starts_with=prefix))


@pytest.mark.parametrize(
    "route, prefix",
    [
        ("/api/uploads", "uploads/"),
        ("/api/curated/datasets/admin0/upload", "curated/admin0/uploads/"),
    ],
)
def test_two_thousand_one_mib_members_are_refused_at_upload(
    client, platform, admin_headers, route, prefix
):
    bomb = repeated_member_zip(2000, MiB)  # 2 GiB unpacked from about 2.2 MB
    before = stored_uploads(platform, prefix)
    refused = client.post(
        route, files={"file": ("countries.zip", bomb, "application/zip")}, headers=admin_headers
    )
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (
        "expansion ratio limit (ARCHIVE_MAX_RATIO) is 200" in problem["detail"]
        and "likely zip bomb" in problem["detail"]
    )
    assert stored_uploads(platform, prefix) == before


def test_a_load_unpacks_only_the_shapefile_not_the_large_member_beside_it(platform_with, tmp_path):
    buffer = io.BytesIO(zipped_dataset(geodataframe(3), "ESRI Shapefile", "parcels.shp"))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("imagery/orthophoto.tif", os.urandom(8 * MiB))
        archive.writestr("readme.txt", b"parcels of the survey")
    api = platform_with(vector_work_dir=str(tmp_path))
    platform = api.app.state.platform
    blob_name = put_blob(platform, buffer.getvalue(), "parcels.zip")

    job = finish(platform, submit(api, blob_name, f"parcels_{os.urandom(3).hex()}"))
    assert job["status"] == "completed", job["error"]
    assert query(platform, f"SELECT count(*) FROM geo.{job['parameters']['table_name']}") == [(3,)]
    unpacked = sorted(p.name for p in tmp_path.glob("*/unpacked/**/*") if p.is_file())
    assert unpacked == ["parcels.cpg", "parcels.dbf", "parcels.prj", "parcels.shp", "parcels.shx"]
