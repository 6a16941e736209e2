"""One Settings object, read from INVENTORY_* environment variables."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _default_data_dir() -> Path:
    return Path(os.environ.get("INVENTORY_DATA_DIR", PROJECT_ROOT / "var"))


# The installation's own settings: made on the set-up page and kept in the database, unless
# the environment fixes them (scripted deployments): None here means "not fixed, read the
# database" (inventory.setup.service.effective fills them in).
INSTALLATION_ENV = {
    "label_owner": "INVENTORY_LABEL_OWNER",
    "base_url": "INVENTORY_BASE_URL",
    "tag_prefix": "INVENTORY_TAG_PREFIX",
    "support_phone": "INVENTORY_SUPPORT_PHONE",
    "people_retention_months": "INVENTORY_PEOPLE_RETENTION_MONTHS",
}


def parse_trusted_proxies(text: str) -> tuple[str, ...]:
    """INVENTORY_TRUSTED_PROXIES: addresses or networks (CIDR), separated by commas or spaces;
    a wrong entry stops the start-up with its name (a proxy silently not trusted would put
    its own address in every throttle key). Kept as text ("10.0.0.0/8"): the settings are
    handed to request handlers, whose signatures take plain types."""
    networks = []
    for entry in text.replace(",", " ").split():
        try:
            networks.append(str(ipaddress.ip_network(entry, strict=False)))
        except ValueError:
            raise ValueError(f"INVENTORY_TRUSTED_PROXIES: {entry!r} is not an IP address or "
                             "network (e.g. 127.0.0.1, 10.0.0.0/8)") from None
    return tuple(networks)


@dataclass(frozen=True)
class Settings:
    database_url: str
    base_url: str | None = None
    secret_key: str = "dev-secret-change-me"
    smtp_url: str = ""
    data_dir: Path = field(default_factory=_default_data_dir)
    tag_prefix: str | None = None
    tag_digits: int = 6
    default_language: str = "fr"
    debug: bool = False
    session_idle_minutes: int = 8 * 60
    scheduler: bool = False  # the service's recurring jobs (on for `inventory serve`)
    label_owner: str | None = None
    support_phone: str | None = None
    backup_keep_daily: int = 7  # archives the nightly job keeps: the last N days'
    backup_keep_monthly: int = 12  # ... and the last M months' (see inventory/backups)
    # People who held nothing for this many months are anonymised (inventory/loans); None:
    # the settings page's (setup.service.effective: 24 unless changed there).
    people_retention_months: int | None = None
    # Reverse proxies whose X-Forwarded-For/-Proto are believed (inventory/web/forwarded.py).
    trusted_proxies: tuple[str, ...] = ()
    document_max_mb: int = 10  # a contract's attached document (PDF or image), at most

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("INVENTORY_DATA_DIR", PROJECT_ROOT / "var"))
        return cls(
            database_url=env.get("INVENTORY_DATABASE_URL") or f"sqlite:///{data_dir / 'inventory.db'}",
            base_url=env["INVENTORY_BASE_URL"].strip().rstrip("/")
            if env.get("INVENTORY_BASE_URL", "").strip() else None,
            secret_key=env.get("INVENTORY_SECRET_KEY", "dev-secret-change-me"),
            smtp_url=env.get("INVENTORY_SMTP_URL", ""),
            data_dir=data_dir,
            tag_prefix=env["INVENTORY_TAG_PREFIX"].strip().upper()
            if env.get("INVENTORY_TAG_PREFIX", "").strip() else None,
            tag_digits=int(env.get("INVENTORY_TAG_DIGITS", "6")),
            default_language=env.get("INVENTORY_LANGUAGE", "fr"),
            debug=env.get("INVENTORY_DEBUG", "") in {"1", "true", "yes"},
            session_idle_minutes=int(env.get("INVENTORY_SESSION_IDLE_MINUTES", 8 * 60)),
            scheduler=env.get("INVENTORY_SCHEDULER", "1") not in {"0", "false", "no"},
            label_owner=env.get("INVENTORY_LABEL_OWNER"),
            support_phone=env.get("INVENTORY_SUPPORT_PHONE"),
            backup_keep_daily=int(env.get("INVENTORY_BACKUP_KEEP_DAILY", "7")),
            backup_keep_monthly=int(env.get("INVENTORY_BACKUP_KEEP_MONTHLY", "12")),
            people_retention_months=int(env["INVENTORY_PEOPLE_RETENTION_MONTHS"])
            if env.get("INVENTORY_PEOPLE_RETENTION_MONTHS", "").strip() else None,
            trusted_proxies=parse_trusted_proxies(env.get("INVENTORY_TRUSTED_PROXIES", "")),
            document_max_mb=int(env.get("INVENTORY_DOCUMENT_MAX_MB", "10")),
        )

    @property
    def fixed(self) -> frozenset[str]:
        """The installation settings the environment (or the caller) fixes."""
        return frozenset(name for name in INSTALLATION_ENV if getattr(self, name) is not None)

    # The installation's settings (setup.service.effective, the `installation` dependency)
    # have these two filled in; read as str here, and an error names the mistake when read
    # from the process's settings, where None means "not fixed by the environment".
    @property
    def filled_base_url(self) -> str:
        if self.base_url is None:
            raise RuntimeError("base_url read before setup.service.effective filled it in")
        return self.base_url

    @property
    def filled_tag_prefix(self) -> str:
        if self.tag_prefix is None:
            raise RuntimeError("tag_prefix read before setup.service.effective filled it in")
        return self.tag_prefix

    @property
    def secure_cookies(self) -> bool:
        return (self.base_url or "").startswith("https://")
