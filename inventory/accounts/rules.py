"""Pure account rules: password policy, safe redirect targets, login throttling."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from inventory.core.i18n import _

MIN_PASSWORD_LENGTH = 10
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


KEYBOARD_ROWS = ("azertyuiop", "qsdfghjklm", "wxcvbn", "qwertyuiop", "asdfghjkl", "zxcvbnm",
                 "1234567890")


def is_pattern(password: str) -> bool:
    """A password that is a short unit repeated ("abcdabcdab"), a run of consecutive
    characters ("abcdefghij", "9876543210") or a walk along a keyboard row, however long."""
    n = len(password)
    for unit in range(1, n // 2 + 1):  # the whole password repeats its first `unit` characters
        if all(password[i] == password[i % unit] for i in range(n)):
            return True
    steps = {ord(b) - ord(a) for a, b in zip(password, password[1:], strict=False)}
    if steps <= {1} or steps <= {-1}:
        return True
    rows = [*KEYBOARD_ROWS, *(row[::-1] for row in KEYBOARD_ROWS)]
    chunks = [password[i:i + 3] for i in range(0, n - 2)]
    return bool(chunks) and all(any(chunk in row for row in rows) for chunk in chunks)


def password_problem(password: str, email: str = "") -> str | None:
    """None when `password` is acceptable, else what is wrong with it."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(n)d characters.") % {"n": MIN_PASSWORD_LENGTH}
    if len(password) > 200:
        return _("Use at most 200 characters.")
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 4 or is_pattern(lowered):
        return _("This password is too common; choose another one.")
    local = email.split("@")[0].lower()
    if local and len(local) >= 4 and local in lowered:
        return _("The password must not contain your email address.")
    return None


_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def local_path(target: str | None, default: str = "/") -> str:
    """`target` when it is a path on this site (one leading slash, no scheme, no backslash,
    no control character), else `default`: "//evil.example" is another host to a browser."""
    if not target or not isinstance(target, str):
        return default
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if _SCHEME.match(target) or any(ord(c) < 32 or c == "\\" for c in target):
        return default
    return target


def safe_next(target: str | None, default: str = "/") -> str:
    """Where to go after signing in: only a path on this site, never another host."""
    target = local_path(target, default)
    if target.startswith(("/login", "/logout")):
        return default
    return target


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int
    window_seconds: int


# Sign-in: failures are counted per account from one address (a person mistyping, or someone
# guessing one account), per account from anywhere (guessing from many addresses), and per
# address (guessing many accounts). A busy address (a whole school behind one NAT) only slows
# accounts that already failed from it: someone who knows their password still gets in.
PAIR_POLICY = ThrottlePolicy(max_failures=5, window_seconds=15 * 60)
ACCOUNT_POLICY = ThrottlePolicy(max_failures=20, window_seconds=15 * 60)
CLIENT_POLICY = ThrottlePolicy(max_failures=20, window_seconds=15 * 60)
# Reports from people without an account, per client address.
ANONYMOUS_REPORT_POLICY = ThrottlePolicy(max_failures=5, window_seconds=60 * 60)
# Label pages opened without an account, per client address: a visitor scans a few labels;
# walking through every tag to map the schools' equipment is refused.
PUBLIC_VIEW_POLICY = ThrottlePolicy(max_failures=60, window_seconds=60 * 60)


def retry_after(failures: int, window_start: int, now: int, policy: ThrottlePolicy) -> int:
    """Seconds to wait before trying again (0: allowed now)."""
    if failures < policy.max_failures:
        return 0
    remaining = window_start + policy.window_seconds - now
    return max(0, remaining)
