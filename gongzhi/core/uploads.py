"""Storing and serving uploads safely.

- The type is decided from the content, never from the name: images must open in Pillow, PDFs
  start with %PDF-, office files are ZIPs holding [Content_Types].xml.
- Images are re-encoded (JPEG or PNG), which drops EXIF and GPS; the orientation is applied first.
- Files live under MEDIA_ROOT with random names and are served only by `serve` after the owning
  app's access rule (registered per purpose) says yes, with Content-Disposition and nosniff."""

import hashlib
import io
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from . import audit
from .errors import ApplicationError
from .models import StoredUpload

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
MAX_IMAGE_SIDE = 2560
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

_access_rules: dict[str, Callable] = {}


def register_access_rule(purpose: str, rule: Callable) -> None:
    """rule(user, upload) -> bool. The app that owns `purpose` decides who may see its files."""
    _access_rules[purpose] = rule


def can_view(user, upload: StoredUpload) -> bool:
    if not user.is_authenticated:
        return False
    if upload.uploaded_by_id == user.pk:
        return True
    rule = _access_rules.get(upload.purpose)
    return bool(rule and rule(user, upload))


def _read_limited(file, limit: int) -> bytes:
    data = file.read(limit + 1)
    if len(data) > limit:
        raise ApplicationError(
            _("The file is too large (at most %(mb)s MB).") % {"mb": limit // (1024 * 1024)},
            code="file_too_large",
        )
    if not data:
        raise ApplicationError(_("The file is empty."), code="file_empty")
    return data


def _reencode_image(data: bytes) -> tuple[bytes, str, str, int, int]:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ApplicationError(
            _("The file is not an image we can read (JPEG, PNG, GIF or WebP)."), code="not_an_image"
        ) from exc
    if image.format not in {"JPEG", "PNG", "GIF", "WEBP", "MPO"}:
        raise ApplicationError(
            _("The file is not an image we can read (JPEG, PNG, GIF or WebP)."), code="not_an_image"
        )
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    out = io.BytesIO()
    if image.mode in ("RGBA", "LA", "P") and image.format != "JPEG":
        image = image.convert("RGBA")
        image.save(out, format="PNG", optimize=True)
        return out.getvalue(), "image/png", "png", image.width, image.height
    image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue(), "image/jpeg", "jpg", image.width, image.height


_OFFICE_TYPES = {
    "xlsx": ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "docx": ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}


def _check_document(data: bytes) -> tuple[str, str]:
    if data.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            names = set()
        if "[Content_Types].xml" in names:
            for ext, (prefix, mime) in _OFFICE_TYPES.items():
                if any(n.startswith(prefix) for n in names):
                    return mime, ext
    raise ApplicationError(
        _("Only PDF, Word (.docx) and Excel (.xlsx) documents or images can be uploaded."),
        code="unsupported_file",
    )


@transaction.atomic
def upload_store(*, actor, file, org_unit, purpose: str, images_only: bool = False) -> StoredUpload:
    limit = MAX_IMAGE_BYTES if images_only else max(MAX_IMAGE_BYTES, MAX_DOCUMENT_BYTES)
    data = _read_limited(file, limit)
    width = height = None
    is_image_like = not (data.startswith(b"%PDF-") or data.startswith(b"PK\x03\x04"))
    if images_only or is_image_like:
        data, content_type, ext, width, height = _reencode_image(data)
        kind = StoredUpload.Kind.IMAGE
    else:
        content_type, ext = _check_document(data)
        kind = StoredUpload.Kind.DOCUMENT
    now = timezone.now()
    relative = f"{now:%Y/%m}/{uuid.uuid4().hex}.{ext}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    original = Path(getattr(file, "name", "") or "").name[:255]
    upload = StoredUpload.objects.create(
        org_unit=org_unit,
        purpose=purpose,
        kind=kind,
        path=relative,
        original_name=original,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=width,
        height=height,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor=actor,
        action="upload.store",
        obj=upload,
        org_unit=org_unit,
        detail={"purpose": purpose, "size": len(data), "type": content_type},
    )
    return upload


def upload_path(upload: StoredUpload) -> Path:
    return Path(settings.MEDIA_ROOT) / upload.path
