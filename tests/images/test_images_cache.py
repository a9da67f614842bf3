"""The image cache: a second run encodes nothing, deleting the cache encodes again, failures are per file."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from image_helpers import bomb_png, write_jpeg

from sitegen.images.cache import ImageCache
from sitegen.images.encode import EncodeSettings, Processed
from sitegen.images.probe import ImageError
from sitegen.images.process import process

SETTINGS = EncodeSettings(widths=(160, 320), formats=("webp",))


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _photos(folder: Path, n: int) -> list[Path]:
    return [write_jpeg(folder / f"p{i}.jpg", 400, 300, seed=i) for i in range(n)]


def test_second_run_hits_the_cache_and_deleting_it_encodes_again(tmp_path: Path) -> None:
    paths = _photos(tmp_path / "src", 3)
    cache = ImageCache(tmp_path / "cache")
    first, stats = process(paths, cache, SETTINGS)
    assert (stats.encoded, stats.hits) == (3, 0)
    for path in paths:
        result = first[path]
        assert isinstance(result, Processed) and [v.width for v in result.variants] == [160, 320]
        assert all(cache.file(v.name).read_bytes()[8:12] == b"WEBP" for v in result.variants)

    again, stats = process(paths, cache, SETTINGS)
    assert (stats.encoded, stats.hits) == (0, 3)
    assert again == first

    shutil.rmtree(tmp_path / "cache")
    _, stats = process(paths, cache, SETTINGS)
    assert (stats.encoded, stats.hits) == (3, 0)


def test_the_key_is_the_content_and_the_settings(tmp_path: Path) -> None:
    a = write_jpeg(tmp_path / "a.jpg", 400, 300, seed=1)
    copy = tmp_path / "elsewhere" / "copy.jpg"
    copy.parent.mkdir()
    shutil.copyfile(a, copy)
    cache = ImageCache(tmp_path / "cache")
    _, stats = process([a], cache, SETTINGS)
    assert stats.encoded == 1
    _, stats = process([copy], cache, SETTINGS)  # same bytes under another name: no encode
    assert (stats.encoded, stats.hits) == (0, 1)
    _, stats = process([a], cache, EncodeSettings(widths=(160, 320), formats=("webp",), quality=60))
    assert stats.encoded == 1
    write_jpeg(a, 400, 300, seed=2)  # the file replaced
    _, stats = process([a], cache, SETTINGS)
    assert stats.encoded == 1


def test_a_variant_deleted_from_the_cache_is_encoded_again(tmp_path: Path) -> None:
    (path,) = _photos(tmp_path, 1)
    cache = ImageCache(tmp_path / "cache")
    first, _ = process([path], cache, SETTINGS)
    cache.file(first[path].variants[0].name).unlink()
    _, stats = process([path], cache, SETTINGS)
    assert stats.encoded == 1


def test_bad_files_fail_alone_and_the_failure_is_remembered(tmp_path: Path) -> None:
    good = write_jpeg(tmp_path / "good.jpg", 400, 300)
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    bomb = bomb_png(tmp_path / "bomb.png")
    missing = tmp_path / "missing.jpg"
    cache = ImageCache(tmp_path / "cache")
    results, stats = process([good, empty, bomb, missing], cache, SETTINGS)
    assert isinstance(results[good], Processed)
    assert "empty" in str(results[empty])
    assert "decompression bomb" in str(results[bomb])
    assert isinstance(results[missing], ImageError) and "cannot read" in str(results[missing])
    assert (stats.encoded, stats.failed) == (1, 3)
    _, stats = process([good, empty, bomb], cache, SETTINGS)
    assert (stats.encoded, stats.hits) == (0, 3)


def test_many_images_in_worker_processes_match_one_process(tmp_path: Path) -> None:
    paths = _photos(tmp_path / "src", 6)
    serial, _ = process(paths, ImageCache(tmp_path / "one"), SETTINGS, jobs=1)
    forked, stats = process(paths, ImageCache(tmp_path / "two"), SETTINGS, jobs=2)
    assert forked == serial
    assert stats.encoded == 6
    for path in paths:
        for variant in serial[path].variants:
            one = ImageCache(tmp_path / "one").file(variant.name).read_bytes()
            assert one == ImageCache(tmp_path / "two").file(variant.name).read_bytes()


def test_a_long_run_counts_on_a_terminal_only(tmp_path: Path) -> None:
    paths = _photos(tmp_path / "src", 8)
    tty = _Tty()
    process(paths, ImageCache(tmp_path / "a"), SETTINGS, progress=tty)
    assert tty.getvalue().endswith("\rimages: encoded 8/8\n")
    assert "images: encoded 1/8" in tty.getvalue()
    from sitegen.images.process import terminal

    assert terminal(io.StringIO()) is None
    assert terminal(tty) is tty
