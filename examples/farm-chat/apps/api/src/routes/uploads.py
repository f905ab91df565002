"""Attachments go to MongoDB GridFS, not the local disk: containers are disposable."""

from fastapi import APIRouter, File, HTTPException, UploadFile

from ..core.config import settings
from ..database.connection import get_bucket

router = APIRouter(prefix="/uploads", tags=["uploads"])


@router.post("")
async def upload(file: UploadFile = File(...)) -> dict[str, str | int]:
    data = await file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise HTTPException(status_code=413, detail="attachment too large")
    file_id = await get_bucket().upload_from_stream(
        file.filename or "attachment", data, metadata={"content_type": file.content_type}
    )
    return {"id": str(file_id), "size": len(data)}
