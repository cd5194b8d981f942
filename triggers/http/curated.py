"""Curated datasets: registry CRUD, enable/disable, history, manual update, manual
file upload, style. Reads are open; writes need the admin key."""

from datetime import datetime, timezone

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from core.errors import PayloadTooLarge
from core.models.curated import (
    CuratedDataset,
    DatasetCreate,
    DatasetFields,
    UpdateLogEntry,
    UpdateRequest,
)
from core.models.jobs import SubmitResponse
from services.curated import registry
from services.curated.styles import style_for
from services.curated.uploads import DatasetUpload, store_dataset_file
from triggers.http.access import principal_of, requires
from triggers.http.links import base_url
from triggers.operations import submit_job

router = APIRouter(prefix="/api/curated/datasets", tags=["curated"])
admin = [requires("admin")]
reader = [requires("reader")]


def _db(request: Request):
    return request.app.state.platform.db


@router.get("", response_model=list[CuratedDataset], dependencies=reader)
def list_datasets(request: Request) -> list[CuratedDataset]:
    return registry.list_datasets(_db(request))


@router.post("", status_code=201, response_model=CuratedDataset, dependencies=admin)
def create(payload: DatasetCreate, request: Request) -> CuratedDataset:
    return registry.create_dataset(_db(request), payload, request.app.state.platform.settings)


@router.get("/{dataset_id}", response_model=CuratedDataset, dependencies=reader)
def get(dataset_id: str, request: Request) -> CuratedDataset:
    return registry.get_dataset(_db(request), dataset_id)


@router.put("/{dataset_id}", response_model=CuratedDataset, dependencies=admin)
def replace(dataset_id: str, payload: DatasetFields, request: Request) -> CuratedDataset:
    return registry.update_dataset(
        _db(request), dataset_id, payload, request.app.state.platform.settings
    )


@router.delete("/{dataset_id}", status_code=204, dependencies=admin)
def delete(dataset_id: str, request: Request) -> None:
    registry.delete_dataset(_db(request), dataset_id)


@router.post("/{dataset_id}/enable", response_model=CuratedDataset, dependencies=admin)
def enable(dataset_id: str, request: Request) -> CuratedDataset:
    return registry.set_enabled(_db(request), dataset_id, True)


@router.post("/{dataset_id}/disable", response_model=CuratedDataset, dependencies=admin)
def disable(dataset_id: str, request: Request) -> CuratedDataset:
    return registry.set_enabled(_db(request), dataset_id, False)


@router.get("/{dataset_id}/history", response_model=list[UpdateLogEntry], dependencies=reader)
def history(
    dataset_id: str, request: Request, limit: int = Query(50, ge=1, le=500)
) -> list[UpdateLogEntry]:
    return registry.history(_db(request), dataset_id, limit)


@router.post(
    "/{dataset_id}/update", status_code=202, response_model=SubmitResponse, dependencies=admin
)
def update(dataset_id: str, request: Request, options: UpdateRequest | None = None) -> JSONResponse:
    """A manual update: each request is its own job (its time is part of the parameters)."""
    options = options or UpdateRequest()
    registry.get_dataset(_db(request), dataset_id)
    parameters = {
        "dataset_id": dataset_id,
        "update_type": "manual",
        "requested_at": datetime.now(timezone.utc).isoformat(),
        "force": options.force,
        "dry_run": options.dry_run,
    }
    body = submit_job(
        request.app.state.platform, "curated_update", parameters, principal_of(request)
    )
    return JSONResponse(body.model_dump(), status_code=202)


@router.post(
    "/{dataset_id}/upload",
    status_code=201,
    response_model=DatasetUpload,
    dependencies=[requires("admin", body="upload")],
)
def upload(
    dataset_id: str,
    request: Request,
    file: UploadFile = File(..., description="the data file (multipart field `file`)"),
) -> DatasetUpload:
    """A manual dataset's new file: checked, stored in bronze, recorded as the dataset's
    source; `POST …/update` then loads it."""
    platform = request.app.state.platform
    limit = platform.settings.upload_max_bytes
    declared = (
        file.size if file.size is not None else int(request.headers.get("content-length") or 0)
    )
    if declared > limit:
        raise PayloadTooLarge(f"the file is larger than the {limit:,}-byte upload limit")
    return store_dataset_file(platform, dataset_id, file.file, file.filename)


@router.get("/{dataset_id}/style", dependencies=[requires("public")])
def style(dataset_id: str, request: Request) -> dict:
    """A MapLibre GL style (vector tiles source, layers; legend in metadata)."""
    return style_for(registry.get_dataset(_db(request), dataset_id), base_url(request))
