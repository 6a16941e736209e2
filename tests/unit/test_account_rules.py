"""Accounts' pure rules: where a sign-in may send a person back, the password policy."""

import pytest

from inventory.accounts.rules import password_problem, safe_next

pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.parametrize("target,expected", [
    ("/a/BRN-000001", "/a/BRN-000001"), ("/assets?site=X&q=1", "/assets?site=X&q=1"),
    ("//evil.example/x", "/"), ("https://evil.example", "/"), ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"), ("", "/"), (None, "/"), ("/login?next=/x", "/"),
    ("/a/x\r\nSet-Cookie: y", "/"),
])
def test_safe_next(target, expected):
    assert safe_next(target) == expected


def test_password_policy():
    assert "at least 10" in password_problem("short")
    assert "too common" in password_problem("azertyuiop")
    assert "too common" in password_problem("aaaaaaaaaaaa")
    assert "email" in password_problem("camille.exemple-2026", "camille.exemple@x.example")
    assert password_problem("Correct-horse-battery") is None
    for pattern in ("abcdabcdab", "abcdefghijk", "9876543210", "qwertyuiop12"[:10],
                    "xyzxyzxyzxyz", "poiuytrezaq"[:10]):
        assert "too common" in password_problem(pattern), pattern
    assert password_problem("Ecole-Ferry-TNI-42") is None
