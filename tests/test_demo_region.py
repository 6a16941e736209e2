"""`inventory demo --assets N` beyond REGION_FROM devices: a région of lycées and collèges
around the commune, written in batches through the one creation path (derived values,
search text and audit records as every other device), on both engines. A small région here
(the thresholds lowered); bench/README.md has the million."""

from __future__ import annotations

from inventory.demo import commune
from tests.helpers import assert_search_text_current, count, query


def test_a_small_region_is_built_like_any_fleet(empty_url, run, monkeypatch):
    monkeypatch.setattr(commune, "BATCH", 700)  # several batches
    summary = run(commune.build_demo(3_000, region_from=1_000, region_schools=(2, 3)))
    assert summary.assets == count("asset") == 3_000
    assert summary.sites == count("site") == 13 + 5
    assert count("site", "kind = 'lycee'") == 2 and count("site", "kind = 'college'") == 3
    # The commune keeps a tenth, the région's establishments the rest, most of it laptops
    # lent to students.
    in_region = count("asset", "site IN (SELECT id FROM site WHERE kind IN ('lycee', 'college'))")
    assert in_region == 2_700
    lent = count("asset", "holder LIKE {}", "Élève %")
    assert 2_000 < lent < in_region
    # Tags follow on without a gap or a repeat, and the sequence has moved past them.
    tags = [row["tag"] for row in query("SELECT tag FROM asset ORDER BY tag")]
    assert tags[0] == "BRN-000001" and tags[-1] == "BRN-003000" and len(set(tags)) == 3_000
    assert query("SELECT last_value FROM tag_sequence WHERE prefix = 'BRN'")[0]["last_value"] \
        == 3_000
    # One write path: a "create" audit record per device, search text and end of life stored.
    assert count("audit_record", "entity = 'asset' AND action = 'create'") == 3_000
    assert_search_text_current()
    assert count("asset", "eol_year IS NULL") == 0
    # Every faulty or in-repair device has its open fault.
    broken = count("asset", "status IN ('faulty', 'in_repair')")
    assert broken > 0
    assert count("fault", "status NOT IN ('closed', 'rejected', 'resolved')") == broken


def test_up_to_the_threshold_the_commune_alone(empty_url, run):
    summary = run(commune.build_demo(800, region_from=1_000, region_schools=(2, 3)))
    assert summary.assets == 800 and count("site", "kind IN ('lycee', 'college')") == 0
