"""What the Chromium journeys share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.browser.rig import chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module (each test opens its own contexts in it)."""
    with chromium() as browser:
        yield browser
