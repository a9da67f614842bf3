"""The image tests' fixture: a local image host (see image_helpers.serving_images)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from image_helpers import ImageHost, serving_images


@pytest.fixture
def image_host() -> Iterator[ImageHost]:
    with serving_images() as host:
        yield host
