"""Documents attached to contracts: PDF and images only, recognised by their content (never
by their name), size-limited. Pure: bytes in, a media type or a FieldError out."""

from __future__ import annotations

import io
import re

from PIL import Image, UnidentifiedImageError

from inventory.core.errors import FieldError
from inventory.core.i18n import _

IMAGE_TYPES = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"),
               "WEBP": ("image/webp", ".webp")}
PDF = ("application/pdf", ".pdf")
MAX_PIXELS = 100_000_000  # a scanned A3 page at 600 dpi is ~70 Mpx


def kind_of(data: bytes, max_bytes: int) -> tuple[str, str]:
    """(media type, file extension) of an accepted document, or FieldError saying why not."""
    if not data:
        raise FieldError(_("Choose a file to attach."))
    if len(data) > max_bytes:
        raise FieldError(_("This file is too large (at most %(n)d MB).")
                         % {"n": max(1, max_bytes // (1024 * 1024))})
    if data.startswith(b"%PDF-"):
        # The header and the end-of-file marker (within the last kilobyte, as PDF readers
        # look for it): a truncated or disguised file fails here.
        if b"%%EOF" not in data[-1024:] or not re.match(rb"%PDF-\d\.\d", data[:8]):
            raise FieldError(_("This PDF file is damaged or incomplete."))
        return PDF
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            if kind not in IMAGE_TYPES:
                raise FieldError(_("Only PDF files and images (JPEG, PNG, WebP) can be "
                                   "attached."))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise FieldError(_("This image has too many pixels."))
            image.verify()  # checks the structure without decoding every pixel
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise FieldError(_("Only PDF files and images (JPEG, PNG, WebP) can be "
                           "attached.")) from None
    return IMAGE_TYPES[kind]


def shown_name(filename: str | None) -> str:
    """The name a document was sent with, kept only to show it (no path, no control
    characters, at most 200 characters)."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or "document"
