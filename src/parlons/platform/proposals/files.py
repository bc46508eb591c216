"""Attachments: the type is read from the content, never from the name; images are re-encoded
so that their metadata (EXIF, GPS position of the camera) is dropped."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIZE = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "png"}


@dataclass(frozen=True)
class CheckedFile:
    kind: str  # "image" or "pdf"
    content: ContentFile
    size: int


def check_upload(upload) -> CheckedFile:
    """Validate an uploaded file (image or PDF, at most 5 MB) and return a clean copy."""
    size = getattr(upload, "size", None) or 0
    if size > MAX_SIZE:
        raise ValidationError(_("The file is larger than 5 MB."))
    data = upload.read(MAX_SIZE + 1)
    if len(data) > MAX_SIZE:
        raise ValidationError(_("The file is larger than 5 MB."))
    if not data:
        raise ValidationError(_("The file is empty."))
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError(_("This PDF file is damaged."))
        return CheckedFile("pdf", ContentFile(data, name=f"{uuid.uuid4().hex}.pdf"), len(data))
    return CheckedFile("image", *_clean_image(data))


def _clean_image(data: bytes) -> tuple[ContentFile, int]:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        if image.format not in IMAGE_FORMATS:
            raise ValidationError(_("Only images (JPEG, PNG, WebP, GIF) and PDF files are "
                                    "accepted."))
        if image.width * image.height > MAX_PIXELS:
            raise ValidationError(_("The image is too large."))
        fmt = image.format if image.format != "GIF" else "PNG"
        image.load()
        image = ImageOps.exif_transpose(image)  # keep the orientation the camera meant
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("Only images (JPEG, PNG, WebP, GIF) and PDF files are "
                                "accepted.")) from None
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if fmt != "JPEG" else "RGB")
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    # A new image from the pixels alone: no EXIF, no GPS, no XMP, no ICC, no comments.
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    out = io.BytesIO()
    clean.save(out, format=fmt)
    body = out.getvalue()
    return ContentFile(body, name=f"{uuid.uuid4().hex}.{IMAGE_FORMATS[fmt]}"), len(body)
