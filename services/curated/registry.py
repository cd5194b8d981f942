"""The curated-dataset registry (app.curated_datasets, app.curated_update_log); returns models."""

from psycopg.types.json import Jsonb

from config import Settings
from core.errors import Conflict, NotFound
from core.models.curated import (
    CuratedDataset,
    DatasetCreate,
    DatasetFields,
    DatasetOverview,
    UpdateLogEntry,
)
from infrastructure.db.pool import Database
from infrastructure.db.queries import sql
from services.curated.admission import check_entry


def list_datasets(db: Database) -> list[CuratedDataset]:
    with db.connection() as conn:
        return [CuratedDataset(**r) for r in conn.execute(sql("curated/list"))]


def get_dataset(db: Database, dataset_id: str) -> CuratedDataset:
    with db.connection() as conn:
        row = conn.execute(sql("curated/get"), {"dataset_id": dataset_id}).fetchone()
    if row is None:
        raise NotFound(f"no curated dataset {dataset_id!r}")
    return CuratedDataset(**row)


def create_dataset(db: Database, payload: DatasetCreate, settings: Settings) -> CuratedDataset:
    check_entry(payload, settings)
    with db.connection() as conn:
        row = conn.execute(
            sql("curated/insert"), _values(payload) | {"dataset_id": payload.dataset_id}
        ).fetchone()
    if row is None:
        raise Conflict(
            f"dataset {payload.dataset_id!r} or target table {payload.target_schema}.{payload.target_table} already exists"
        )
    return CuratedDataset(**row)


def update_dataset(
    db: Database, dataset_id: str, payload: DatasetFields, settings: Settings
) -> CuratedDataset:
    check_entry(payload, settings)
    with db.connection() as conn:
        row = conn.execute(
            sql("curated/update"), _values(payload) | {"dataset_id": dataset_id}
        ).fetchone()
    if row is None:
        raise NotFound(f"no curated dataset {dataset_id!r}")
    return CuratedDataset(**row)


def delete_dataset(db: Database, dataset_id: str) -> None:
    """Removes the registry entry and its history; the published table stays (drop it by hand)."""
    with db.connection() as conn:
        if conn.execute(sql("curated/delete"), {"dataset_id": dataset_id}).fetchone() is None:
            raise NotFound(f"no curated dataset {dataset_id!r}")


def set_enabled(db: Database, dataset_id: str, enabled: bool) -> CuratedDataset:
    with db.connection() as conn:
        row = conn.execute(
            sql("curated/set_enabled"), {"dataset_id": dataset_id, "enabled": enabled}
        ).fetchone()
    if row is None:
        raise NotFound(f"no curated dataset {dataset_id!r}")
    return CuratedDataset(**row)


def history(db: Database, dataset_id: str, limit: int = 50) -> list[UpdateLogEntry]:
    get_dataset(db, dataset_id)
    with db.connection() as conn:
        return [
            UpdateLogEntry(**r)
            for r in conn.execute(
                sql("curated/history"), {"dataset_id": dataset_id, "limit": limit}
            )
        ]


def overview(db: Database) -> list[DatasetOverview]:
    """Every dataset with its latest update (read like history: a job that died reads failed)."""
    with db.connection() as conn:
        datasets = [CuratedDataset(**r) for r in conn.execute(sql("curated/list"))]
        latest = {
            r["dataset_id"]: UpdateLogEntry(**r)
            for r in conn.execute(sql("curated/latest_updates"))
        }
    return [DatasetOverview(dataset=d, last_update=latest.get(d.dataset_id)) for d in datasets]


def _values(payload: DatasetFields) -> dict:
    values = payload.model_dump(exclude={"dataset_id"})
    return values | {"source_config": Jsonb(values["source_config"])}
