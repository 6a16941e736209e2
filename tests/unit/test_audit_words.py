"""Every action and every kind of record the service audits has its words (the audit log
and the histories show them instead of the stored codes)."""

import re
from pathlib import Path

from inventory.core.fields import ACTION_LABELS, ENTITY_LABELS

PACKAGE = Path(__file__).resolve().parents[2] / "inventory"


def _written(keyword: str) -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        if "audit." not in text and "update_versioned" not in text:
            continue  # argparse's action="store_true" and the like
        found |= set(re.findall(rf'\b{keyword}="([a-z_]+)"', text))
    return found


def test_every_audited_action_has_its_words():
    # An import's row result "error" is not an audit record.
    assert sorted(_written("action") - set(ACTION_LABELS) - {"error", "append",
                                                              "store_true"}) == []


def test_every_audited_kind_of_record_has_its_words():
    assert sorted(_written("entity") - set(ENTITY_LABELS)) == []
