"""One headless Chromium for every browser test: launching it takes a second or two."""

from collections.abc import Iterator

import pytest

from tests.support.browser import Chromium, chromium


@pytest.fixture(scope="package")
def browser() -> Iterator[Chromium]:
    with chromium() as running:
        yield running
