"""Fault photos: images only (checked by content, not by name), size-limited, re-encoded as
JPEG, which drops every metadata field (GPS position, camera, date) the phone wrote."""

from __future__ import annotations

import asyncio
import io
import threading
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from inventory.core.errors import FieldError
from inventory.core.i18n import _

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1600  # pixels: enough to see a cracked screen, small enough for a weak 4G signal
ACCEPTED = {"JPEG", "PNG", "WEBP", "GIF", "BMP"}
# A phone photo is at most ~50 Mpx; a larger image (a 257 KB PNG can say 9,400 x 9,400) would
# take seconds and a gigabyte to decode, so it is refused from its header, before decoding.
MAX_PIXELS = 50_000_000
# Decoding runs in worker threads, at most this many at once, so uploads never stall the
# event loop and a burst of them cannot take all the memory.
_DECODERS = threading.BoundedSemaphore(2)


async def reencode_in_worker(data: bytes) -> bytes:
    """reencode() in a worker thread (the event loop keeps serving other requests)."""
    return await asyncio.to_thread(_reencode_when_a_decoder_is_free, data)


def _reencode_when_a_decoder_is_free(data: bytes) -> bytes:
    with _DECODERS:
        return reencode(data)


def reencode(data: bytes) -> bytes:
    """The photo as a fresh JPEG without metadata, or FieldError saying what is wrong."""
    if len(data) > MAX_BYTES:
        raise FieldError(_("This photo is too large (at most %(n)d MB).")
                         % {"n": MAX_BYTES // (1024 * 1024)})
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ACCEPTED:
                raise FieldError(_("This file is not a photo (JPEG, PNG or WebP)."))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise FieldError(_("This photo has too many pixels (at most %(n)d million).")
                                 % {"n": MAX_PIXELS // 1_000_000})
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise FieldError(_("This file is not a photo (JPEG, PNG or WebP).")) from None
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    upright.save(out, format="JPEG", quality=82, optimize=True)  # no exif= : nothing carried over
    return out.getvalue()


def photo_dir(data_dir: Path) -> Path:
    folder = Path(data_dir) / "photos"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save(data_dir: Path, fault_id: int, jpeg: bytes) -> str:
    name = f"fault-{fault_id}.jpg"
    (photo_dir(data_dir) / name).write_bytes(jpeg)
    return name


def load(data_dir: Path, name: str) -> bytes | None:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = photo_dir(data_dir) / name
    return path.read_bytes() if path.is_file() else None
