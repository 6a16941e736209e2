"""What a phone keeps of a site (inventory/offline/rules.py)."""

from inventory.offline import rules


def test_kept_pages_rule():
    pages = rules.kept_pages("EC-1", [3, 4], ["BRN-000001"])
    assert pages[:3] == ["/scan", "/offline", "/sites/EC-1"]
    assert pages.index("/a/BRN-000001") < pages.index("/faults/new?room=3")
    assert "/a/BRN-000001/move" in pages and "/faults/new?asset=BRN-000001" in pages
    assert not any(page.startswith("/inventory/") for page in pages)


def test_an_audit_in_progress_is_kept_room_by_room():
    pages = rules.kept_pages("EC-1", [3, 4], ["BRN-000001"], audit_id=9)
    assert {"/inventory/9", "/inventory/9?room=3", "/inventory/9?room=4"} <= set(pages)
    # Before the devices: a signal lost half-way still leaves the audit on the phone.
    assert pages.index("/inventory/9?room=4") < pages.index("/a/BRN-000001")


def test_a_device_as_the_phone_remembers_it():
    row = {"tag": "BRN-000007", "version": 3, "status": "faulty", "room": 12,
           "room_name": None, "category_name": "Tablette"}
    kept = rules.device_snapshot(row, "EC-1", "École Une", "Faulty")
    assert kept == {"tag": "BRN-000007", "version": 3, "status": "faulty",
                    "status_label": "Faulty", "site": "EC-1", "site_name": "École Une",
                    "room": 12, "room_name": "", "category_name": "Tablette"}
