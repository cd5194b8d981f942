"""POST /api/uploads: a file into the bronze container, for process_vector to load."""

from fastapi import APIRouter, File, Request, UploadFile

from core.errors import PayloadTooLarge
from services.vector.uploads import UploadResult, store_upload
from triggers.http.access import requires

router = APIRouter(prefix="/api/uploads", tags=["uploads"])


@router.post("", status_code=201, response_model=UploadResult, dependencies=[requires("submitter", body="upload")])
def upload(request: Request, file: UploadFile = File(..., description="the data file (multipart field `file`)")) -> UploadResult:
    platform = request.app.state.platform
    declared = file.size if file.size is not None else int(request.headers.get("content-length") or 0)
    if declared > platform.settings.upload_max_bytes:
        raise PayloadTooLarge(f"the file is larger than the {platform.settings.upload_max_bytes:,}-byte upload limit")
    return store_upload(platform, file.file, file.filename)
