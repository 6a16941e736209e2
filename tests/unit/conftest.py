"""What the pure tests share."""

import pytest

from inventory.core import i18n


@pytest.fixture
def english():
    """The messages are read in English whatever ran before (the language is per context),
    and the language of before is back after the test. A module asks for it with
    `pytestmark = pytest.mark.usefixtures("english")`."""
    token = i18n.set_language("en")
    yield
    i18n._current.reset(token)
