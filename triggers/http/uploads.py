"""POST /api/uploads: a vector, raster or STAC file into the bronze container, checked for
the job that will read it (services/uploads.py); the answer names that job."""

from fastapi import APIRouter, File, Request, UploadFile

from core.errors import PayloadTooLarge
from services.uploads import UploadResult, store_any_upload
from triggers.http.access import requires

router = APIRouter(prefix="/api/uploads", tags=["uploads"])


@router.post(
    "",
    status_code=201,
    response_model=UploadResult,
    dependencies=[requires("submitter", body="upload")],
)
def upload(
    request: Request,
    file: UploadFile = File(..., description="the data file (multipart field `file`)"),
) -> UploadResult:
    platform = request.app.state.platform
    declared = (
        file.size if file.size is not None else int(request.headers.get("content-length") or 0)
    )
    if declared > platform.settings.upload_max_bytes:
        raise PayloadTooLarge(
            f"the file is larger than the {platform.settings.upload_max_bytes:,}-byte upload limit"
        )
    return store_any_upload(platform, file.file, file.filename)
