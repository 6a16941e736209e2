"""The installation's set-up, as pure rules: the public address check, the tag prefix
(proposed from the organisation's name, checked), the support phone, the starter categories."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from inventory.core.i18n import _, lazy_gettext

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
# Used only until the set-up names the installation's own: never the demo's BRN.
FALLBACK_PREFIX = "INV"
DEFAULT_OWNER = "Propriété de la commune"

# People who have held nothing for this many months are anonymised (loans' daily job).
DEFAULT_RETENTION_MONTHS = 24
RETENTION_MONTHS = (1, 120)
_PREFIX = re.compile(r"^[A-Z]{3,4}$")
_PHONE = re.compile(r"^[0-9+().\- ]{4,40}$")
# Words that name what the organisation is, not which one (skipped when proposing a prefix).
_GENERIC = {
    "commune", "communes", "mairie", "ville", "de", "du", "des", "la", "le", "les", "l", "d",
    "et", "en", "sur", "sous", "communaute", "agglomeration", "metropole", "departement",
    "region", "syndicat", "intercommunal", "intercommunale", "conseil", "departemental",
    "regional", "collectivite", "territoriale", "sivu", "sivom", "cc", "ca",
}
_LOCAL_SUFFIXES = (".local", ".lan", ".home", ".internal", ".intranet", ".localdomain")


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def propose_prefix(organisation: str) -> str:
    """Three letters of the organisation's own name: "Commune de Saint-Martin-sur-Loire"
    -> "SML" (initials of a compound name), "Mairie de Villebois" -> "VIL"."""
    words = [w for w in re.split(r"[^A-Za-z]+", _ascii(organisation or "").lower()) if w]
    own = [w for w in words if w not in _GENERIC]
    if len(own) >= 3:
        prefix = "".join(w[0] for w in own[:4])
    elif own:
        prefix = "".join(own)[:3]
    else:
        prefix = ""
    prefix = prefix.upper()
    return prefix if _PREFIX.match(prefix) else FALLBACK_PREFIX


def prefix_problem(prefix: str) -> str | None:
    if not _PREFIX.match(prefix or ""):
        return _("Use three or four letters, without accents, such as VIL.")
    return None


def phone_problem(phone: str) -> str | None:
    if phone and not _PHONE.match(phone):
        return _("Enter a phone number such as 01 23 45 67 89.")
    return None


def clean_address(value: str) -> str:
    return (value or "").strip().rstrip("/")


def address_problem(url: str) -> str | None:
    """Why `url` cannot be the public address, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("Enter the address people type to reach the service, such as "
                 "https://inventaire.example.fr.")
    if parts.query or parts.fragment or parts.username or parts.password:
        return _("Enter only the address of the service, without ?, # or a user name.")
    try:
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        return _("This port is not a number between 1 and 65535.")
    return None


def _host_kind(host: str) -> str:
    """"loopback", "private" or "public" for a URL's host name."""
    host = host.lower().strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return "loopback"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        if "." not in host or host.endswith(_LOCAL_SUFFIXES):
            return "private"  # a name only the local network knows
        return "public"
    if ip.is_loopback or ip.is_unspecified:
        return "loopback"
    if ip.is_private or ip.is_link_local or ip.is_reserved:
        return "private"
    return "public"


def is_local_address(url: str) -> bool:
    """Whether phones outside the building's network cannot reach `url` (loopback or
    private): labels printed with it would scan to nowhere."""
    host = urlsplit(url).hostname
    return host is None or _host_kind(host) != "public"


def address_warning(url: str) -> str | None:
    """What a person must know before labels point at `url`, or None when phones reach it."""
    parts = urlsplit(url)
    kind = _host_kind(parts.hostname or "")
    if kind == "loopback":
        return _("%(address)s only works on the computer running the service: phones that "
                 "scan a label will not reach it.") % {"address": url}
    if kind == "private":
        return _("%(address)s is an address of a private network: phones will only reach it "
                 "on that network (its Wi-Fi), not over 4G.") % {"address": url}
    if parts.scheme == "http":
        return _("%(address)s is plain http: phones may warn or refuse, and sign-ins would "
                 "travel unencrypted. Use https if you can.") % {"address": url}
    return None


@dataclass(frozen=True)
class StarterCategory:
    code: str
    name: str
    lifespan_years: int
    replacement_cost_cents: int
    is_interactive_display: bool = False
    is_network: bool = False
    criticality: int = 1


# The equipment of a commune's schools and buildings, with usual lifespans and prices
# (public procurement prices, 2026). Names are the field's words, in French like the data.
STARTER_CATEGORIES = (
    StarterCategory("TNI", "Tableau numérique interactif (TNI)", 8, 250_000, True, False, 3),
    StarterCategory("VPI", "Vidéoprojecteur interactif (VPI)", 7, 180_000, True, False, 3),
    StarterCategory("ENI", "Écran numérique interactif (ENI)", 8, 420_000, True, False, 3),
    StarterCategory("VP", "Vidéoprojecteur", 6, 80_000, False, False, 2),
    StarterCategory("VISU", "Visualiseur", 7, 15_000, False, False, 1),
    StarterCategory("PC-FIXE", "PC fixe", 6, 70_000, False, False, 1),
    StarterCategory("PC-PORT", "PC portable", 5, 75_000, False, False, 2),
    StarterCategory("TABLETTE", "Tablette", 4, 42_000, False, False, 2),
    StarterCategory("IMPR", "Imprimante", 6, 35_000, False, False, 1),
    StarterCategory("SWITCH", "Commutateur (switch)", 8, 90_000, False, True, 3),
    StarterCategory("WIFI", "Borne Wi-Fi", 6, 45_000, False, True, 3),
    StarterCategory("PAREFEU", "Pare-feu", 6, 150_000, False, True, 3),
    StarterCategory("NAS", "Serveur de stockage (NAS)", 6, 120_000, False, True, 2),
)

SETTING_LABELS = {
    "label_owner": lazy_gettext("Organisation name"),
    "base_url": lazy_gettext("Public address"),
    "tag_prefix": lazy_gettext("Tag prefix"),
    "support_phone": lazy_gettext("Support phone"),
    "people_retention_months": lazy_gettext("People forgotten after (months)"),
}


def retention_months(stored: str | None) -> int:
    """The retention the settings page stored, or the default when none (or none
    readable) is."""
    try:
        months = int(stored or "")
    except ValueError:
        return DEFAULT_RETENTION_MONTHS
    low, high = RETENTION_MONTHS
    return months if low <= months <= high else DEFAULT_RETENTION_MONTHS
