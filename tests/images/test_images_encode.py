"""Real Pillow encodes: widths never upscaled, EXIF orientation honoured, metadata stripped, bad input refused."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from image_helpers import GPS_IFD, ORIENTATION, bomb_png, jpeg_bytes, photo, rotated_with_gps, truncated_jpeg
from PIL import Image

from sitegen.images.encode import EncodeSettings, encode, variant_widths, writable_formats
from sitegen.images.probe import ImageError, probe

SETTINGS = EncodeSettings(widths=(480, 960, 1440), formats=writable_formats(("avif", "webp")))


def test_pillow_writes_both_formats() -> None:
    # CI installs Pillow from PyPI, whose wheels carry libwebp and libavif.
    assert SETTINGS.formats == ("avif", "webp")


@pytest.mark.parametrize(
    ("width", "expected"),
    [(2000, [480, 960, 1440]), (1000, [480, 960, 1000]), (960, [480, 960]), (300, [300]), (1440, [480, 960, 1440])],
)
def test_variant_widths_are_never_wider_than_the_image(width: int, expected: list[int]) -> None:
    assert variant_widths(width, (480, 960, 1440)) == expected


def test_a_photo_gets_each_width_in_each_format() -> None:
    processed, files = encode(jpeg_bytes(photo(1200, 800)), SETTINGS, "k")
    assert (processed.width, processed.height) == (1200, 800)
    assert [(v.format, v.width, v.height) for v in processed.variants] == [
        ("avif", 480, 320), ("avif", 960, 640), ("avif", 1200, 800),
        ("webp", 480, 320), ("webp", 960, 640), ("webp", 1200, 800),
    ]
    for variant, data in files:
        decoded = Image.open(io.BytesIO(data))
        assert decoded.format == variant.format.upper()
        assert decoded.size == (variant.width, variant.height)
        assert variant.name == f"k-{variant.width}.{variant.format}"


def test_exif_orientation_is_applied_and_metadata_dropped(tmp_path: Path) -> None:
    data = rotated_with_gps(tmp_path / "sideways.jpg").read_bytes()
    source_exif = Image.open(io.BytesIO(data)).getexif()
    assert source_exif[ORIENTATION] == 6 and source_exif.get_ifd(GPS_IFD)  # the fixture is what it claims
    assert (probe(data, 10**8).width, probe(data, 10**8).height) == (100, 200)
    processed, files = encode(data, SETTINGS, "k")
    assert (processed.width, processed.height) == (100, 200)
    assert files
    for variant, blob in files:
        im = Image.open(io.BytesIO(blob))
        assert im.size == (100, 200), variant
        # Shown upright: the red half of the stored picture is now on top, the blue below.
        rgb = im.convert("RGB")
        top, bottom = rgb.getpixel((50, 30)), rgb.getpixel((50, 170))
        assert top[0] > 180 and top[2] < 80, (variant, top)
        assert bottom[2] > 180 and bottom[0] < 80, (variant, bottom)
        assert not im.getexif(), variant
        assert "exif" not in im.info and "xmp" not in im.info
        assert b"TestCam" not in blob


def test_animated_gif_keeps_its_size_and_gets_no_variants() -> None:
    frames = [Image.new("RGB", (64, 48), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    processed, files = encode(buf.getvalue(), SETTINGS, "k")
    assert (processed.width, processed.height, processed.variants, files) == (64, 48, (), [])


def test_transparent_png_keeps_its_alpha() -> None:
    im = Image.new("RGBA", (600, 400), (0, 128, 0, 0))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    _, files = encode(buf.getvalue(), EncodeSettings(widths=(480,), formats=("webp",)), "k")
    decoded = Image.open(io.BytesIO(files[0][1]))
    assert decoded.mode == "RGBA" and decoded.getpixel((10, 10))[3] == 0


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: _write(p, b""), "empty"),
        (lambda p: _write(p, b"this is not a picture at all" * 20), "not an image"),
        (truncated_jpeg, "cannot decode"),
        (bomb_png, "decompression bomb"),
    ],
    ids=["zero-byte", "garbage", "truncated", "bomb"],
)
def test_bad_input_is_an_image_error(tmp_path: Path, make, message: str) -> None:
    path = make(tmp_path / "bad.img")
    with pytest.raises(ImageError, match=message):
        encode(path.read_bytes(), SETTINGS, "k")


def test_the_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    data = bomb_png(tmp_path / "bomb.png").read_bytes()
    assert len(data) < 2_000_000
    assert struct.unpack(">II", data[16:24]) == (20_000, 20_000)
    with pytest.raises(ImageError, match=r"20000×20000 is 400,000,000 pixels|decompression bomb"):
        probe(data, 89_478_485)


@pytest.mark.parametrize(
    ("svg", "size"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 760 120" width="760" height="120">', (760, 120)),
        (b"<?xml version='1.0'?>\n<svg width='50px' height='20.4px'>", (50, 20)),
        (b'<svg viewBox="0,0,300,150" width="100%">', (300, 150)),
    ],
)
def test_svg_gets_its_size_and_no_variants(svg: bytes, size: tuple[int, int]) -> None:
    processed, files = encode(svg + b"<rect/></svg>", SETTINGS, "k")
    assert (processed.width, processed.height, files) == (*size, [])


def test_svg_without_a_size_is_left_alone() -> None:
    with pytest.raises(ImageError, match="without width/height"):
        encode(b'<svg width="100%"><rect/></svg>', SETTINGS, "k")


def test_avif_speed_is_a_setting_in_the_cache_key_and_reaches_the_encoder(tmp_path: Path) -> None:
    from sitegen.config import load_config

    (tmp_path / "sitegen.toml").write_text('title = "T"\nbase_url = "https://t.example"\n')
    default = load_config(tmp_path).images
    assert default.formats == ("webp",) and default.avif_speed == 8  # AVIF is opt-in
    (tmp_path / "sitegen.toml").write_text(
        'title = "T"\nbase_url = "https://t.example"\n[images]\nformats = ["avif", "webp"]\navif_speed = 10\n')
    fast = EncodeSettings.from_config(load_config(tmp_path).images)
    assert fast.avif_speed == 10
    slow = EncodeSettings(widths=fast.widths, formats=fast.formats, avif_speed=4)
    assert fast.key != slow.key  # another speed, other bytes: encoded again
    webp = EncodeSettings(formats=("webp",))
    assert EncodeSettings(formats=("webp",), avif_speed=4).key == webp.key  # no AVIF, nothing to redo
    data = jpeg_bytes(photo(640, 480))
    sizes = {s: len(encode(data, EncodeSettings(widths=(640,), formats=("avif",), avif_speed=s), "k")[1][0][1])
             for s in (4, 10)}
    assert sizes[4] != sizes[10]


def test_avif_speed_out_of_range_names_the_line(tmp_path: Path) -> None:
    from sitegen.config import load_config
    from sitegen.errors import ConfigError

    (tmp_path / "sitegen.toml").write_text('title = "T"\nbase_url = "https://t.example"\n[images]\navif_speed = 11\n')
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.line == 4 and "avif_speed" in caught.value.message
