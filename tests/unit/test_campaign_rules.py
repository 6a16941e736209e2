"""What a scan during an inventory audit means, and what is missing at its close. Pure."""

from inventory.campaigns import rules


def test_scan_result_rule():
    asset = {"site": 1, "room": 10}
    assert rules.scan_result(asset, 1, 10) == rules.FOUND
    assert rules.scan_result(asset, 1, 11) == rules.ELSEWHERE
    assert rules.scan_result(asset, 2, 10) == rules.ELSEWHERE
    assert rules.scan_result(None, 1, 10) == rules.UNKNOWN
    assert rules.missing_tags({"A", "B", "C"}, {"B", "Z"}) == ["A", "C"]
