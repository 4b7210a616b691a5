"""A learner's own digit (an uploaded picture, or a drawing on the canvas) as an MNIST-style input.

MNIST's digits are white ink on black, scaled so the longer side of the ink's bounding box is
20 pixels, and placed in a 28 x 28 field with their centre of mass at the centre. The same
steps turn a learner's picture into what the model expects; ``digit_steps`` returns every
intermediate image, for showing how it is done:

1. ``drawn``: the ink, white on black (a light background is inverted; the paper becomes 0 and
   the strongest ink 1);
2. ``cropped``: cut to the ink's bounding box;
3. ``box20``: scaled so its longer side is 20 pixels (the aspect ratio kept);
4. ``centred``: placed in 28 x 28 by its centre of mass: the model's input.

``prepare_digit(data)`` does this for PNG/JPEG bytes, ``digit_from_canvas(rgba)`` for the
drawing canvas's RGBA array. Uploads are bounded in memory: JPEGs are decoded at reduced size
(``Image.draft``), and any picture larger than ``WORK_PIXELS`` is reduced strip by strip
(``Image.reduce``) before it becomes floats, so a 6000 x 6000 PNG costs its decoded pixels
once (Pillow decodes a PNG whole: 36 MB for grayscale, 144 MB for RGB or RGBA) plus a few MB,
instead of half a gigabyte or more. Pixel and size caps refuse decompression bombs before
anything is decoded.

Every message for the learner is a ``Msg`` (``engine.text``), raised as ``ImageError``.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.text import Explained

if TYPE_CHECKING:
    from PIL import Image as PILImage

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_PIXELS = 40_000_000  # a 12-megapixel phone photo is fine; a decompression bomb is not
MAX_UPLOAD_SIDE = 12_000
ALLOWED_FORMATS = ("PNG", "JPEG", "MPO")  # MPO: a JPEG with extra frames, as some phone cameras write

# Pictures with more pixels are reduced by a whole factor to at most this many before the
# conversion (a 4000 x 3000 JPEG is decoded at half size, then reduced to 1000 x 750): the digit
# stays far larger than the 20 pixels it ends as. Float32 working copies take at most 8 MB each.
WORK_PIXELS = 2_000_000
STRIP_PIXELS = 1_000_000  # large pictures are flattened and reduced in strips of about this many pixels
PREVIEW_SIDE = 256

MNIST_SIDE = 28
BOX_SIDE = 20
INK_LEVEL = 0.2  # after stretching, pixels above this count as ink (the bounding box)
MIN_CONTRAST = 0.15  # strongest ink below this (0..1): nothing to see

# The drawing canvas: what is not one digit.
CANVAS_DOT_SIDE = 0.08  # ink whose bounding box is under 8 % of the canvas side is a dot
CANVAS_BLOB_SIDE = 0.15  # ... and so is a round blob under 15 % that fills most of its box
CANVAS_BLOB_FILL = 0.6
CANVAS_MAX_INK_SHARE = 0.5  # ink on more than half of the canvas is a scribble over everything
CANVAS_TRANSPARENT_SHARE = 0.01  # a canvas with this share of transparent pixels has a transparent background

_ORIENTATION_TAG = 0x0112  # EXIF orientation: how the camera was held


class ImageError(Explained, ValueError):
    """A picture or drawing cannot be turned into a digit; the message says why and what to do."""


@dataclass(frozen=True)
class DigitSteps:
    """The conversion's intermediate images (numpy arrays), for teaching how MNIST was made."""

    drawn: np.ndarray  # float32 [h, w] in 0..1: the ink, white on black (inverted if the paper was light)
    cropped: np.ndarray  # float32 [h', w'] in 0..1: ``drawn`` cut to the ink's bounding box
    box20: np.ndarray  # float32 [h'', w''] in 0..1: ``cropped`` scaled so its longer side is 20 pixels
    centred: np.ndarray  # uint8 [28, 28]: ``box20`` placed by its centre of mass; the model's input
    inverted: bool  # True when the picture had dark ink on a light background
    box_at: tuple[int, int]  # (top, left) of ``box20`` inside ``centred``


@dataclass(frozen=True)
class PreparedDigit:
    """A learner's picture converted like MNIST: white ink on black, 20x20 box centred in 28x28."""

    image: np.ndarray  # uint8 [28, 28] (= steps.centred)
    inverted: bool  # True when the original had dark ink on a light background
    original_size: tuple[int, int]  # (width, height)
    format: str  # "PNG", "JPEG" or "canvas"
    preview: np.ndarray  # uint8 RGB thumbnail of the picture (at most 256 pixels a side), re-encoded by us
    steps: DigitSteps  # the intermediate images


# --- The conversion ------------------------------------------------------------------------------


def _border(a: np.ndarray) -> np.ndarray:
    return np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])


def _light_background(gray: np.ndarray) -> bool:
    return float(np.median(_border(gray))) > 0.5


def _ink(gray: np.ndarray) -> tuple[np.ndarray, bool]:
    """Gray float32 0..1 -> (ink white on black, the paper at 0 and the strongest ink at 1; inverted?).

    Works in place on ``gray`` (a copy the caller made): one working copy of the picture.
    """
    inverted = _light_background(gray)
    ink = np.subtract(1.0, gray, out=gray) if inverted else gray
    ink -= float(np.median(_border(ink)))  # the paper becomes 0
    np.clip(ink, 0.0, None, out=ink)
    peak = float(ink.max())
    if peak < MIN_CONTRAST:
        raise ImageError(
            "No digit found: the picture looks blank or has too little contrast. "
            "Use dark ink on light paper (or light on dark) and crop close to the digit."
        )
    ink /= peak
    return ink, inverted


def _scaled_to_box(crop: np.ndarray) -> np.ndarray:
    """Scale so the longer side is ``BOX_SIDE`` pixels, keeping the aspect ratio (Lanczos)."""
    from PIL import Image

    h, w = crop.shape
    scale = BOX_SIDE / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    box = np.asarray(Image.fromarray(crop, mode="F").resize((new_w, new_h), Image.Resampling.LANCZOS))
    return np.clip(box, 0.0, 1.0).astype(np.float32)


def _centred(box: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """Place ``box`` in 28 x 28 with its centre of mass at the centre (kept inside the field)."""
    new_h, new_w = box.shape
    total = float(box.sum())
    if total <= 0:
        raise ImageError("No digit found after scaling; crop closer to the digit and try again.")
    cy = float((box.sum(axis=1) * np.arange(new_h)).sum() / total)
    cx = float((box.sum(axis=0) * np.arange(new_w)).sum() / total)
    centre = (MNIST_SIDE - 1) / 2
    top = int(np.clip(round(centre - cy), 0, MNIST_SIDE - new_h))
    left = int(np.clip(round(centre - cx), 0, MNIST_SIDE - new_w))
    field = np.zeros((MNIST_SIDE, MNIST_SIDE), dtype=np.float32)
    field[top : top + new_h, left : left + new_w] = box
    return np.rint(field * 255).astype(np.uint8), (top, left)


def digit_steps(gray: np.ndarray) -> DigitSteps:
    """Grayscale float [h, w] in 0..1 (either polarity) -> every step of the MNIST-style conversion.

    Inverts when the background (the border) is light, so the ink is white on black as in
    MNIST; stretches the contrast; crops to the ink's bounding box; scales its longer side to 20
    pixels keeping the aspect ratio; and places it in a 28x28 field with its centre of mass at
    the centre, as MNIST was made. Raises ``ImageError`` when there is no ink to see.
    """
    gray = np.asarray(gray, dtype=np.float32)
    if gray.ndim != 2:
        raise ValueError(f"gray must be [h, w], got shape {gray.shape}")
    if gray.size == 0:
        raise ImageError("The image has no pixels.")
    if not np.isfinite(gray).all():
        gray = np.nan_to_num(gray, nan=0.0, posinf=1.0, neginf=0.0)
    drawn, inverted = _ink(np.clip(gray, 0.0, 1.0))  # clip: a float32 copy of the caller's array
    mask = drawn > INK_LEVEL
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    cropped = drawn[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].copy()
    box20 = _scaled_to_box(cropped)
    centred, box_at = _centred(box20)
    return DigitSteps(drawn=drawn, cropped=cropped, box20=box20, centred=centred, inverted=inverted, box_at=box_at)


def mnist_style(gray: np.ndarray) -> np.ndarray:
    """Grayscale float [h, w] in 0..1 -> uint8 [28, 28] prepared like MNIST (see ``digit_steps``)."""
    return digit_steps(gray).centred


# --- Uploaded pictures ---------------------------------------------------------------------------


def _too_large(width: int, height: int) -> ImageError:
    return ImageError(
        "The image is {w} x {h} pixels, too large to handle here. "
        "Crop it around the digit or shrink it (a few hundred pixels a side is plenty).",
        w=width,
        h=height,
    )


def _bomb() -> ImageError:
    return ImageError(
        "The image is too large to handle here: it has far too many pixels. "
        "Crop it around the digit or shrink it (a few hundred pixels a side is plenty)."
    )


def _damaged() -> ImageError:
    return ImageError("The image file is damaged or cut off and cannot be decoded. Save it again and re-upload.")


_PNG_START = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"  # the signature, then the header chunk every PNG opens with


def _bad_png_chunk() -> ImageError:
    """A PNG whose header is fine but a later chunk is not: Pillow refuses oversized colour profiles and text
    (``PngImagePlugin.MAX_TEXT_CHUNK``), a chunk whose checksum is wrong and a chunk cut off by the file's end."""
    return ImageError(
        "This PNG has a damaged or oversized chunk (data stored with the picture, such as a colour profile or "
        "text), so it cannot be read. Open it in an image editor, export it again as a plain PNG and upload that."
    )


def _open_upload(data: bytes) -> tuple[PILImage.Image, str]:
    """Open (not decode) the picture; check its size, format and pixel count; (image, "PNG" or "JPEG")."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise ImageError("The file is empty. Upload a PNG or JPEG picture of one digit.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageError(
            "The file is {mb:.0f} MB; pictures up to {limit} MB are accepted. Crop or shrink it first.",
            mb=len(data) / 1e6,
            limit=MAX_UPLOAD_BYTES // 2**20,
        )
    try:
        img = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb() from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        if data.startswith(_PNG_START):
            raise _bad_png_chunk() from exc
        raise ImageError("This file is not a PNG or JPEG image. Upload a picture of one digit.") from exc
    fmt = img.format or ""
    if fmt not in ALLOWED_FORMATS:
        raise ImageError("This is a {format} image; upload a PNG or JPEG.", format=fmt or "unknown")
    if fmt == "MPO":  # its first frame is the ordinary JPEG picture
        fmt = "JPEG"
        img.seek(0)
    width, height = img.size
    if width < 1 or height < 1:
        raise ImageError("The image has no pixels.")
    if width * height > MAX_UPLOAD_PIXELS or max(width, height) > MAX_UPLOAD_SIDE:
        raise _too_large(width, height)
    return img, fmt


def _draft_jpeg(img: PILImage.Image) -> None:
    """Let a large JPEG decode at 1/2, 1/4 or 1/8 of its size (still at least ``WORK_PIXELS``)."""
    width, height = img.size
    if img.format not in ("JPEG", "MPO") or width * height <= WORK_PIXELS:
        return
    s = math.sqrt(WORK_PIXELS / (width * height))
    img.draft(None, (max(1, math.ceil(width * s)), max(1, math.ceil(height * s))))


def _eight_bit_range(img: PILImage.Image) -> tuple[float, float] | None:
    """(black, white) of a 16- or 32-bit image, to scale it to 8 bits; None for 8-bit modes.

    Pillow's own ``I;16 -> L`` conversion clips everything above 255, which turns gray ink white.
    """
    if img.mode.startswith("I;16"):
        return 0.0, 65535.0
    if img.mode not in ("I", "F"):
        return None
    lo, hi = (float(v) for v in img.getextrema())
    if img.mode == "I" and 0 <= lo and hi <= 65535:
        return 0.0, 65535.0  # 16-bit gray (older Pillow opens 16-bit PNGs as I)
    if img.mode == "F" and 0 <= lo and hi <= 1:
        return 0.0, 1.0
    return lo, hi if hi > lo else lo + 1.0


def _flatten(strip: PILImage.Image, scale: tuple[float, float] | None) -> tuple[PILImage.Image, PILImage.Image]:
    """A strip of any mode -> (gray "L", colour "RGB"), transparent areas as white paper, 8 bits."""
    from PIL import Image

    if scale is not None:
        lo, hi = scale
        values = np.asarray(strip, dtype=np.float32)
        gray = Image.fromarray(np.rint(np.clip((values - lo) * (255.0 / (hi - lo)), 0, 255)).astype(np.uint8))
        return gray, gray.convert("RGB")
    if strip.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in strip.info:
        rgba = strip.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        rgb = Image.alpha_composite(paper, rgba).convert("RGB")
    else:
        rgb = strip.convert("RGB")
    return rgb.convert("L"), rgb


def _decode_reduced(img: PILImage.Image) -> tuple[PILImage.Image, PILImage.Image]:
    """Decode and flatten the picture to (gray "L", colour "RGB") of at most about ``WORK_PIXELS``.

    Pictures above the budget are reduced by an integer factor (box averages, ``Image.reduce``)
    in horizontal strips, so no full-size copy is made beyond the decoded picture itself.
    """
    from PIL import Image

    img.load()
    width, height = img.size
    factor = max(1, math.ceil(math.sqrt(width * height / WORK_PIXELS)))
    scale = _eight_bit_range(img)
    rows = max(1, STRIP_PIXELS // width)
    rows = max(factor, rows - rows % factor)
    out_size = (math.ceil(width / factor), math.ceil(height / factor))
    gray, rgb = Image.new("L", out_size), Image.new("RGB", out_size)
    for top in range(0, height, rows):
        g, c = _flatten(img.crop((0, top, width, min(height, top + rows))), scale)
        if factor > 1:
            g, c = g.reduce(factor), c.reduce(factor)
        gray.paste(g, (0, top // factor))
        rgb.paste(c, (0, top // factor))
    return gray, rgb


def _orientation(img: PILImage.Image):
    """The transpose that undoes the EXIF orientation (a phone held sideways), or None."""
    from PIL import Image

    methods = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }
    try:
        return methods.get(img.getexif().get(_ORIENTATION_TAG))
    except Exception:  # noqa: BLE001 - unreadable EXIF: keep the picture as stored
        return None


def _decode(img: PILImage.Image) -> tuple[PILImage.Image, PILImage.Image]:
    """(gray, colour) small enough to work on, upright; ``ImageError`` when the file cannot be decoded."""
    from PIL import Image

    try:
        _draft_jpeg(img)
        gray, rgb = _decode_reduced(img)
        method = _orientation(img)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb() from exc
    except ValueError as exc:  # a PNG's chunk after its pixels, oversized (read as the picture is decoded)
        raise (_bad_png_chunk() if img.format == "PNG" else _damaged()) from exc
    except (OSError, SyntaxError, EOFError) as exc:
        raise _damaged() from exc
    if method is not None:
        gray, rgb = gray.transpose(method), rgb.transpose(method)
    return gray, rgb


def _thumbnail(rgb: PILImage.Image) -> np.ndarray:
    rgb = rgb.copy()
    rgb.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    return np.asarray(rgb, dtype=np.uint8)


def prepare_digit(data: bytes) -> PreparedDigit:
    """Turn PNG/JPEG bytes into a 28x28 MNIST-style digit, or raise ``ImageError``.

    Grayscale (transparent areas count as white paper; 16-bit pictures scaled to 8 bits), at
    most ``WORK_PIXELS`` large, upright as the camera meant it; then the steps of
    ``digit_steps`` (inverted when the paper is light).
    """
    img, fmt = _open_upload(data)
    original_size = img.size
    gray, rgb = _decode(img)
    img.close()
    steps = digit_steps(np.asarray(gray, dtype=np.float32) / 255.0)
    return PreparedDigit(
        image=steps.centred,
        inverted=steps.inverted,
        original_size=original_size,
        format=fmt,
        preview=_thumbnail(rgb),
        steps=steps,
    )


# --- The drawing canvas --------------------------------------------------------------------------


def _canvas_floats(rgba: np.ndarray) -> np.ndarray:
    """The canvas as float32 [H, W, 4] in 0..1 (RGB without alpha counts as opaque)."""
    arr = np.asarray(rgba)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4) or arr.dtype.kind not in "uif":
        raise ImageError("The drawing could not be read: the canvas sent no RGBA picture. Clear it and draw again.")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ImageError("Nothing is drawn yet: draw one digit on the canvas.")
    if arr.shape[0] * arr.shape[1] > MAX_UPLOAD_PIXELS:
        raise _too_large(arr.shape[1], arr.shape[0])
    out = arr.astype(np.float32)
    if arr.dtype.kind in "ui" or float(np.nanmax(out)) > 1.0:
        out /= 255.0
    out = np.clip(np.nan_to_num(out), 0.0, 1.0)
    if out.shape[2] == 3:
        out = np.concatenate([out, np.ones_like(out[..., :1])], axis=2)
    return out


def _canvas_ink(canvas: np.ndarray) -> tuple[np.ndarray, bool]:
    """(ink float32 [H, W] in 0..1, the background was light?) of a float RGBA canvas.

    On a transparent background (at least 1 % of the canvas transparent) the ink is the
    strokes' alpha, whatever their colour; on an opaque one (black, or a filled colour) it is how far each pixel's colour is from the
    background's (the border's median colour), so white on black and black on white both work.
    """
    alpha = canvas[..., 3]
    if float((alpha < 0.5).mean()) >= CANVAS_TRANSPARENT_SHARE:
        return alpha.copy(), False
    rgb = canvas[..., :3]
    background = np.median(np.concatenate([canvas[0], canvas[-1], canvas[:, 0], canvas[:, -1]])[:, :3], axis=0)
    ink = np.abs(rgb - background).max(axis=2) * alpha
    return ink.astype(np.float32), float(background.mean()) > 0.5


def _check_drawing(ink: np.ndarray) -> None:
    """Refuse what is not one digit: nothing, a dot, a scribble over everything (plain messages)."""
    mask = ink > INK_LEVEL
    if float(ink.max()) < MIN_CONTRAST or not mask.any():
        raise ImageError("Nothing is drawn yet: draw one digit on the canvas.")
    if float(mask.mean()) > CANVAS_MAX_INK_SHARE:
        raise ImageError("The drawing covers almost the whole canvas: clear it and draw one digit.")
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    tall, wide = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    longer, shorter, side = max(tall, wide), min(tall, wide), min(ink.shape)
    fill = float(mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].mean())
    blob = longer < CANVAS_BLOB_SIDE * side and 2 * shorter >= longer and fill > CANVAS_BLOB_FILL
    if longer < CANVAS_DOT_SIDE * side or blob:
        raise ImageError("That is only a dot: draw the whole digit, large enough to fill much of the canvas.")


def _canvas_preview(canvas: np.ndarray) -> np.ndarray:
    """What was drawn, over black where the canvas is transparent, as a uint8 RGB thumbnail."""
    from PIL import Image

    rgb = canvas[..., :3] * canvas[..., 3:4]
    img = Image.fromarray(np.rint(rgb * 255).astype(np.uint8), mode="RGB")
    img.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    return np.asarray(img, dtype=np.uint8)


def digit_from_canvas(rgba: np.ndarray) -> PreparedDigit:
    """A drawing from the canvas (RGBA ``uint8 [H, W, 4]``; strokes on a transparent or black
    background) -> the same MNIST-style input as ``prepare_digit``, or ``ImageError`` with a
    plain message for an empty canvas, a single dot, or a scribble over the whole canvas."""
    canvas = _canvas_floats(rgba)
    ink, light = _canvas_ink(canvas)
    _check_drawing(ink)
    steps = digit_steps(ink)
    return PreparedDigit(
        image=steps.centred,
        inverted=light,
        original_size=(canvas.shape[1], canvas.shape[0]),
        format="canvas",
        preview=_canvas_preview(canvas),
        steps=steps,
    )
