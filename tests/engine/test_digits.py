"""engine.data.digits: a learner's picture or drawing -> an MNIST-style 28 x 28 input, step by step.

Every picture is drawn here with PIL (no files from outside); nothing needs the real MNIST.
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import textwrap
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw, PngImagePlugin

from engine.data import digits
from engine.text import Msg

# --- Drawing helpers -----------------------------------------------------------------------------


def png_bytes(img: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def drawn_seven(size=(240, 320), ink="black", paper="white", mode="RGB") -> Image.Image:
    img = Image.new(mode, size, paper)
    draw = ImageDraw.Draw(img)
    w, h = size
    draw.line([(0.25 * w, 0.2 * h), (0.8 * w, 0.2 * h), (0.45 * w, 0.85 * h)], fill=ink, width=max(4, w // 12))
    return img


def vertical_bar(size=(200, 300), ink="black", paper="white", mode="RGB") -> Image.Image:
    """A bar 200 px tall and 20 px wide, off-centre in the picture."""
    img = Image.new(mode, size, paper)
    ImageDraw.Draw(img).rectangle([60, 40, 79, 239], fill=ink)
    return img


def ring(size=(300, 300), ink="black", paper="white") -> Image.Image:
    img = Image.new("RGB", size, paper)
    ImageDraw.Draw(img).ellipse([70, 50, 250, 230], outline=ink, width=18)
    return img


def centre_of_mass(img: np.ndarray) -> tuple[float, float]:
    img = img.astype(float)
    cy = (img.sum(axis=1) * np.arange(img.shape[0])).sum() / img.sum()
    cx = (img.sum(axis=0) * np.arange(img.shape[1])).sum() / img.sum()
    return cy, cx


def ink_span(values: np.ndarray, level: float = 50) -> int:
    where = np.flatnonzero(values > level)
    return int(where[-1] - where[0] + 1)


# --- The conversion, step by step ----------------------------------------------------------------


def test_vertical_bar_becomes_a_centred_bar_20_pixels_tall():
    digit = digits.prepare_digit(png_bytes(vertical_bar()))
    img = digit.image
    assert img.shape == (28, 28) and img.dtype == np.uint8 and digit.inverted
    assert ink_span(img.max(axis=1)) == 20  # the longer side is scaled to 20 pixels
    assert ink_span(img.max(axis=0)) <= 4  # 200 x 20 -> 20 x 2 (plus resampling fringe)
    cy, cx = centre_of_mass(img)
    assert abs(cy - 13.5) <= 0.5 and abs(cx - 13.5) <= 0.5
    assert np.abs(img.astype(int) - img[::-1].astype(int)).max() <= 1  # top and bottom alike
    steps = digit.steps
    assert steps.drawn.shape == (300, 200) and steps.cropped.shape == (200, 20) and steps.box20.shape == (20, 2)
    assert np.array_equal(steps.centred, img)


def test_ring_is_centred_and_roughly_symmetric():
    img = digits.prepare_digit(png_bytes(ring())).image.astype(float)
    cy, cx = centre_of_mass(img)
    assert abs(cy - 13.5) <= 0.5 and abs(cx - 13.5) <= 0.5
    assert ink_span(img.max(axis=1)) == 20 and ink_span(img.max(axis=0)) == 20
    for flipped in (img[::-1], img[:, ::-1], img.T):
        assert np.corrcoef(img.ravel(), flipped.ravel())[0, 1] > 0.9
    assert img[12:16, 12:16].max() == 0  # the hole stays a hole


def test_digit_steps_expose_every_intermediate_image():
    gray = np.asarray(drawn_seven().convert("L"), dtype=np.float32) / 255
    given = gray.copy()
    steps = digits.digit_steps(gray)
    assert np.array_equal(gray, given)  # the caller's array is left alone
    assert isinstance(steps, digits.DigitSteps) and steps.inverted
    assert steps.drawn.shape == gray.shape and steps.drawn.dtype == np.float32
    assert steps.drawn.min() == 0 and steps.drawn.max() == 1  # white ink on black, stretched
    assert steps.drawn[0].max() == 0  # the light paper became black
    h, w = steps.cropped.shape
    assert steps.cropped.max() == 1 and h < gray.shape[0] and w < gray.shape[1]
    assert max(steps.box20.shape) == 20 and 0 <= steps.box20.min() and steps.box20.max() <= 1
    assert steps.centred.dtype == np.uint8 and steps.centred.shape == (28, 28)
    top, left = steps.box_at
    bh, bw = steps.box20.shape
    assert np.array_equal(steps.centred[top : top + bh, left : left + bw], np.rint(steps.box20 * 255).astype(np.uint8))
    assert np.array_equal(digits.mnist_style(gray), steps.centred)


def test_dark_ink_on_light_paper_is_inverted_cropped_and_centred():
    digit = digits.prepare_digit(png_bytes(drawn_seven()))
    img = digit.image.astype(float)
    assert digit.inverted and digit.image.shape == (28, 28) and digit.image.dtype == np.uint8
    assert img.max() == 255 and img[0].max() == 0 and img[:, 0].max() == 0  # white ink, black border
    rows, cols = np.flatnonzero(img.max(axis=1) > 50), np.flatnonzero(img.max(axis=0) > 50)
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 <= 21  # the 20 x 20 box (plus resampling fringe)
    cy, cx = centre_of_mass(img)
    assert abs(cy - 13.5) <= 1 and abs(cx - 13.5) <= 1
    assert digit.original_size == (240, 320) and digit.preview.shape[2] == 3


def test_light_ink_on_dark_jpeg_is_not_inverted():
    digit = digits.prepare_digit(png_bytes(drawn_seven(ink="white", paper="black"), "JPEG"))
    assert not digit.inverted and digit.image.max() > 200 and digit.format == "JPEG"


def test_photo_polarity_does_not_change_the_result():
    dark_on_light = digits.prepare_digit(png_bytes(vertical_bar()))
    light_on_dark = digits.prepare_digit(png_bytes(vertical_bar(ink="white", paper="black")))
    assert dark_on_light.inverted and not light_on_dark.inverted
    assert np.array_equal(dark_on_light.image, light_on_dark.image)


def test_transparent_background_counts_as_paper():
    digit = digits.prepare_digit(png_bytes(drawn_seven(ink=(0, 0, 0, 255), paper=(0, 0, 0, 0), mode="RGBA")))
    assert digit.inverted and digit.image.max() == 255


@pytest.mark.parametrize("mode", ["LA", "P"])
def test_other_transparent_pngs_count_as_paper_too(mode):
    plain = digits.prepare_digit(png_bytes(vertical_bar())).image
    if mode == "LA":
        img = vertical_bar(ink=(0, 255), paper=(0, 0), mode="LA")  # black ink, transparent paper
        data = png_bytes(img)
    else:
        img = Image.new("P", (200, 300), 0)
        img.putpalette([0, 0, 0, 40, 40, 40] + [0] * 762)  # index 0: transparent (its colour is black!)
        ImageDraw.Draw(img).rectangle([60, 40, 79, 239], fill=1)
        data = png_bytes(img, transparency=0)
    assert Image.open(io.BytesIO(data)).mode == mode
    digit = digits.prepare_digit(data)
    assert digit.inverted and np.abs(digit.image.astype(int) - plain.astype(int)).max() <= 2


def test_sixteen_bit_png_with_gray_ink_is_scaled_not_clipped():
    """Pillow's I;16 -> L clips every value above 255: gray ink on gray paper would read as blank."""
    values = np.full((300, 200), 60000, dtype=np.uint16)  # light gray paper
    values[40:240, 60:80] = 20000  # mid-gray ink
    data = png_bytes(Image.fromarray(values))
    opened = Image.open(io.BytesIO(data))
    assert opened.mode.startswith("I;16")
    assert np.asarray(opened.convert("L")).min() == 255  # the bug: everything white
    digit = digits.prepare_digit(data)
    eight_bit = digits.prepare_digit(png_bytes(Image.fromarray((values // 257).astype(np.uint8))))
    assert digit.inverted and ink_span(digit.image.max(axis=1)) == 20
    assert np.abs(digit.image.astype(int) - eight_bit.image.astype(int)).max() <= 2


def test_exif_orientation_is_applied():
    """A phone held sideways stores the picture rotated and says so in EXIF; the digit is shown upright."""
    lying = vertical_bar().rotate(90, expand=True)  # the bar lies horizontally in the file
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to view"
    digit = digits.prepare_digit(png_bytes(lying, "JPEG", exif=exif))
    assert ink_span(digit.image.max(axis=1)) == 20 and ink_span(digit.image.max(axis=0)) <= 4  # upright again


def test_conversion_is_stable_under_enlarging_and_printing():
    """A converted digit, enlarged 8x and printed dark on light, converts back to nearly itself."""
    first = digits.prepare_digit(png_bytes(drawn_seven())).image
    printed = Image.fromarray(255 - np.kron(first, np.ones((8, 8), dtype=np.uint8)))
    again = digits.prepare_digit(png_bytes(printed)).image
    a, b = first.astype(float).ravel(), again.astype(float).ravel()
    assert np.corrcoef(a, b)[0, 1] > 0.9
    assert np.abs(a - b).mean() < 20


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_large_photo_is_reduced_before_conversion_without_changing_the_digit(fmt, monkeypatch):
    """Above WORK_PIXELS the picture is decoded smaller (JPEG draft) or reduced in strips; the 28 x 28 stays."""
    monkeypatch.setattr(digits, "WORK_PIXELS", 300_000)  # as for a 12 MP photo, on a smaller one
    photo = drawn_seven(size=(1800, 1350), ink=(40, 40, 60), paper=(235, 230, 220))
    data = png_bytes(photo, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    digit = digits.prepare_digit(data)
    assert digit.original_size == (1800, 1350)
    assert digit.steps.drawn.size <= 300_000 and digit.steps.drawn.shape[1] > digit.steps.drawn.shape[0]
    full = digits.mnist_style(np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=np.float32) / 255)
    diff = np.abs(digit.image.astype(int) - full.astype(int))
    assert diff.mean() < 3 and np.corrcoef(digit.image.ravel(), full.ravel())[0, 1] > 0.98
    assert max(digit.preview.shape[:2]) == 256


# --- Bad or hostile files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"", "empty"),
        (b"hello, not a picture", "not a PNG or JPEG"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not a PNG or JPEG"),
    ],
)
def test_bad_files_get_a_clear_message(payload, message):
    with pytest.raises(digits.ImageError, match=message) as err:
        digits.prepare_digit(payload)
    assert isinstance(err.value.msg, Msg)


def test_messages_are_message_ids_with_parameters():
    with pytest.raises(digits.ImageError) as err:
        digits.prepare_digit(png_bytes(drawn_seven(), "GIF"))
    assert err.value.msg.msgid == "This is a {format} image; upload a PNG or JPEG."
    assert dict(err.value.msg.params) == {"format": "GIF"}


def test_truncated_png_is_reported_as_damaged():
    data = png_bytes(drawn_seven())
    with pytest.raises(digits.ImageError, match="damaged or cut off"):
        digits.prepare_digit(data[: len(data) // 2])


def test_phone_jpeg_opening_as_mpo_is_read_as_jpeg_from_its_first_frame():
    buf = io.BytesIO()
    second = drawn_seven(ink="white", paper="black").rotate(90)  # a different picture in frame 2
    drawn_seven().save(buf, format="MPO", save_all=True, append_images=[second])
    data = buf.getvalue()
    assert Image.open(io.BytesIO(data)).format == "MPO" and data[:2] == b"\xff\xd8"  # a JPEG to everyone else
    digit = digits.prepare_digit(data)
    plain = digits.prepare_digit(png_bytes(drawn_seven(), "JPEG"))
    assert digit.format == "JPEG" and digit.inverted  # the first frame: dark ink on light paper
    assert np.abs(digit.image.astype(int) - plain.image.astype(int)).mean() < 5


def test_gif_is_refused_by_format():
    with pytest.raises(digits.ImageError, match="GIF image; upload a PNG or JPEG"):
        digits.prepare_digit(png_bytes(drawn_seven(), "GIF"))


def test_huge_dimensions_are_refused_before_decoding():
    big = Image.new("1", (9000, 9000), 1)  # 81 megapixels, a few kB as PNG
    with pytest.raises(digits.ImageError, match="9000 x 9000 pixels, too large"):
        digits.prepare_digit(png_bytes(big))


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` grayscale pixels, with a few bytes of data (a bomb's shape)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def png_with_chunk(kind: bytes, body: bytes, *, after_pixels: bool = False, crc: bool = True) -> bytes:
    """A good digit PNG with one more chunk, before its pixels (after IHDR) or after them (before IEND)."""
    data = png_bytes(drawn_seven(size=(60, 80)))
    chunk = png_chunk(kind, body)
    if not crc:
        chunk = chunk[:-4] + bytes(4)
    at = len(data) - 12 if after_pixels else 8 + 25  # IEND is 12 bytes; the signature 8, IHDR 25
    return data[:at] + chunk + data[at:]


def oversized_chunk_png(kind: bytes = b"iCCP", **where) -> bytes:
    """A PNG whose colour profile (iCCP) or compressed text (zTXt) inflates past Pillow's limit for one chunk."""
    inflated = zlib.compress(bytes(PngImagePlugin.MAX_TEXT_CHUNK + 1))  # about 1 kB in the file
    name = {b"iCCP": b"profile", b"zTXt": b"Comment"}[kind]
    return png_with_chunk(kind, name + b"\x00\x00" + inflated, **where)


BAD_CHUNK = (
    "This PNG has a damaged or oversized chunk (data stored with the picture, such as a colour profile or text), "
    "so it cannot be read. Open it in an image editor, export it again as a plain PNG and upload that."
)


@pytest.mark.parametrize(
    "data",
    [
        oversized_chunk_png(b"iCCP"),
        oversized_chunk_png(b"zTXt"),
        oversized_chunk_png(b"zTXt", after_pixels=True),  # read only as the picture is decoded
        png_with_chunk(b"iCCP", b"profile\x00\x00" + zlib.compress(bytes(100)), crc=False),
        png_with_chunk(b"tEXt", b"Comment\x00hello")[:60],  # cut off inside a chunk
    ],
    ids=["oversized iCCP", "oversized zTXt", "oversized zTXt after the pixels", "bad checksum", "cut off"],
)
def test_a_png_with_a_damaged_or_oversized_chunk_says_so(data):
    with pytest.raises((ValueError, OSError, SyntaxError)):  # what Pillow itself makes of it
        Image.open(io.BytesIO(data)).load()
    with pytest.raises(digits.ImageError) as err:
        digits.prepare_digit(data)
    assert err.value.msg.msgid == BAD_CHUNK and str(err.value) == BAD_CHUNK


def test_a_png_with_small_extra_chunks_is_read():
    profile = png_with_chunk(b"iCCP", b"profile\x00\x00" + zlib.compress(bytes(1000)))
    text = png_with_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"a seven"), after_pixels=True)
    plain = digits.prepare_digit(png_bytes(drawn_seven(size=(60, 80)))).image
    for data in (profile, text):
        np.testing.assert_array_equal(digits.prepare_digit(data).image, plain)


def test_decompression_bomb_header_gets_a_too_large_message():
    """100000 x 100000 pixels: Pillow itself refuses it (DecompressionBombError) as the file is opened."""
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(png_claiming(100_000, 100_000)))
    with pytest.raises(digits.ImageError, match="too large") as err:
        digits.prepare_digit(png_claiming(100_000, 100_000))
    assert "not a PNG or JPEG" not in str(err.value)


@pytest.mark.parametrize("limit", [1000, 5000])  # 5000: between 1x and 2x, where Pillow only warns
def test_pillow_bomb_limits_get_a_too_large_message(monkeypatch, limit):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", limit)
    data = png_bytes(drawn_seven(size=(60, 80)))  # 4800 pixels
    if limit == 5000:
        monkeypatch.setattr(digits, "MAX_UPLOAD_PIXELS", 4000)  # our own cap still says no
        with pytest.raises(digits.ImageError, match="60 x 80 pixels, too large"):
            digits.prepare_digit(data)
        with pytest.warns(Image.DecompressionBombWarning):  # Pillow's own opinion, only a warning
            Image.open(io.BytesIO(png_bytes(drawn_seven(size=(80, 80)))))
        return
    with pytest.raises(digits.ImageError, match="too large"):
        digits.prepare_digit(data)


def test_blank_picture_has_no_digit():
    with pytest.raises(digits.ImageError, match="No digit found"):
        digits.prepare_digit(png_bytes(Image.new("RGB", (100, 100), "white")))


PEAK_RSS_SCRIPT = textwrap.dedent(
    """
    import io, resource, sys
    from PIL import Image, ImageDraw
    from engine.data import digits
    small = Image.new("L", (64, 64), 255)
    ImageDraw.Draw(small).line([(32, 10), (32, 50)], fill=0, width=6)
    buf = io.BytesIO(); small.save(buf, "PNG"); digits.prepare_digit(buf.getvalue())  # imports, warm-up
    data = open(sys.argv[1], "rb").read()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    digit = digits.prepare_digit(data)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(digit.original_size, digit.image.max(), (after - before) // 1024)
    """
)


def big_gray_png(width: int, height: int) -> bytes:
    """A width x height grayscale PNG: a black bar on white, compressed row by row (never held as pixels)."""
    blank = b"\x00" + b"\xff" * width
    bar = b"\x00" + b"\xff" * (width // 2 - 200) + b"\x00" * 400 + b"\xff" * (width - width // 2 - 200)
    z = zlib.compressobj(6)
    idat = b"".join(z.compress(bar if height // 6 <= y < height * 5 // 6 else blank) for y in range(height))
    idat += z.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in kB on Linux")
def test_a_6000_square_png_costs_tens_of_mb_not_half_a_gigabyte(tmp_path):
    """36 MB of decoded gray pixels, then small working copies; before the strips it took ~590 MB."""
    path = tmp_path / "big.png"
    path.write_bytes(big_gray_png(6000, 6000))
    assert path.stat().st_size < 200_000
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_SCRIPT, str(path)],
        cwd=digits.__file__.rsplit("/engine/", 1)[0],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    size, peak, extra_mb = done.stdout.split(")")[0] + ")", *done.stdout.split(")")[1].split()
    assert size == "(6000, 6000)" and int(peak) == 255
    assert int(extra_mb) < 100, f"converting took {extra_mb} MB more peak memory"


# --- The drawing canvas --------------------------------------------------------------------------


def canvas(size=(280, 280), background=(0, 0, 0, 0)) -> Image.Image:
    return Image.new("RGBA", size, background)


def canvas_array(img: Image.Image) -> np.ndarray:
    return np.asarray(img, dtype=np.uint8).copy()


def stroke_seven(img: Image.Image, colour=(255, 255, 255, 255), width=18) -> Image.Image:
    ImageDraw.Draw(img).line([(70, 60), (200, 60), (120, 230)], fill=colour, width=width, joint="curve")
    return img


def test_canvas_stroke_becomes_the_same_input_as_a_picture_of_it():
    drawing = canvas_array(stroke_seven(canvas()))
    digit = digits.digit_from_canvas(drawing)
    assert digit.format == "canvas" and not digit.inverted and digit.original_size == (280, 280)
    assert digit.image.shape == (28, 28) and digit.image.dtype == np.uint8 and digit.image.max() == 255
    cy, cx = centre_of_mass(digit.image)
    assert abs(cy - 13.5) <= 1 and abs(cx - 13.5) <= 1
    assert digit.preview.shape == (256, 256, 3) and digit.preview.max() == 255  # white strokes on black
    photo = stroke_seven(Image.new("RGB", (280, 280), "black"), colour="white")
    same = digits.prepare_digit(png_bytes(photo)).image
    assert np.abs(digit.image.astype(int) - same.astype(int)).mean() < 3


@pytest.mark.parametrize(
    ("background", "colour"),
    [
        ((0, 0, 0, 0), (30, 90, 200, 255)),  # a blue pen on the transparent canvas: the alpha is the ink
        ((0, 0, 0, 255), (255, 60, 60, 255)),  # a red pen on an opaque black canvas
        ((255, 255, 255, 255), (0, 0, 0, 255)),  # a black pen on an opaque white canvas
    ],
)
def test_canvas_colours_and_backgrounds(background, colour):
    reference = digits.digit_from_canvas(canvas_array(stroke_seven(canvas())))
    digit = digits.digit_from_canvas(canvas_array(stroke_seven(canvas(background=background), colour=colour)))
    assert np.abs(digit.image.astype(int) - reference.image.astype(int)).max() <= 3
    assert digit.inverted == (background[:3] == (255, 255, 255))


def test_canvas_rgb_without_alpha_and_float_arrays_are_read_too():
    rgba = canvas_array(stroke_seven(canvas(background=(0, 0, 0, 255))))
    reference = digits.digit_from_canvas(rgba).image
    assert np.array_equal(digits.digit_from_canvas(rgba[..., :3]).image, reference)
    assert np.array_equal(digits.digit_from_canvas(rgba.astype(np.float32) / 255).image, reference)


def test_empty_canvas_says_nothing_is_drawn():
    for empty in (canvas(), canvas(background=(0, 0, 0, 255))):
        with pytest.raises(digits.ImageError, match="Nothing is drawn yet"):
            digits.digit_from_canvas(canvas_array(empty))


def test_a_single_dot_is_not_a_digit():
    for radius in (6, 14):
        img = canvas()
        ImageDraw.Draw(img).ellipse([140 - radius, 140 - radius, 140 + radius, 140 + radius], fill=(255,) * 4)
        with pytest.raises(digits.ImageError, match="only a dot: draw the whole digit"):
            digits.digit_from_canvas(canvas_array(img))


def test_a_small_one_is_not_mistaken_for_a_dot():
    img = canvas()
    ImageDraw.Draw(img).line([(140, 100), (140, 160)], fill=(255,) * 4, width=14)  # 60 x 14: a short "1"
    assert digits.digit_from_canvas(canvas_array(img)).image.max() == 255


def test_a_scribble_over_the_whole_canvas_is_refused():
    img = canvas()
    draw = ImageDraw.Draw(img)
    for y in range(0, 280, 20):
        draw.line([(0, y), (279, y + 10)], fill=(255,) * 4, width=16)
    with pytest.raises(digits.ImageError, match="covers almost the whole canvas: clear it and draw one digit"):
        digits.digit_from_canvas(canvas_array(img))


def test_something_that_is_not_a_canvas_gets_a_plain_message():
    with pytest.raises(digits.ImageError, match="could not be read"):
        digits.digit_from_canvas(np.zeros((280, 280), dtype=np.uint8))


# --- Strokes as the app's canvas sends them: a black pen on opaque white paper -------------------


def white_canvas() -> Image.Image:
    return canvas(background=(255, 255, 255, 255))


def test_bar_and_ring_drawn_on_the_white_canvas_match_their_pictures():
    bar = white_canvas()
    ImageDraw.Draw(bar).rectangle([60, 40, 79, 239], fill=(0, 0, 0, 255))  # the vertical bar, as a stroke
    ring_drawing = white_canvas()
    ImageDraw.Draw(ring_drawing).ellipse([50, 50, 230, 230], outline=(0, 0, 0, 255), width=18)
    for drawing, picture in ((bar, vertical_bar()), (ring_drawing, ring())):
        digit = digits.digit_from_canvas(canvas_array(drawing))
        assert digit.inverted and digit.format == "canvas"  # the light paper was taken as paper
        same = digits.prepare_digit(png_bytes(picture)).image
        assert np.abs(digit.image.astype(int) - same.astype(int)).mean() < 3
        cy, cx = centre_of_mass(digit.image)
        assert abs(cy - 13.5) <= 0.5 and abs(cx - 13.5) <= 0.5


def test_a_small_thin_off_centre_stroke_is_centred_and_scaled_like_mnist():
    small = white_canvas()
    ImageDraw.Draw(small).line([(200, 20), (260, 20), (225, 100)], fill=(0, 0, 0, 255), width=4)  # top right corner
    big = white_canvas()
    ImageDraw.Draw(big).line([(40, 30), (250, 30), (128, 270)], fill=(0, 0, 0, 255), width=14)
    for drawing in (small, big):
        digit = digits.digit_from_canvas(canvas_array(drawing))
        img = digit.image
        rows, cols = np.flatnonzero(img.max(axis=1) > 50), np.flatnonzero(img.max(axis=0) > 50)
        assert 19 <= max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 <= 21  # scaled into the 20 x 20 box
        cy, cx = centre_of_mass(img)
        assert abs(cy - 13.5) <= 1 and abs(cx - 13.5) <= 1  # centred by mass, wherever it was drawn
    steps = digits.digit_from_canvas(canvas_array(small)).steps
    assert steps.cropped.shape[0] < 100 and max(steps.box20.shape) == 20  # enlarged from under 100 px to 20
