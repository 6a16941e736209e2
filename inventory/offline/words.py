"""The offline mode's words (static/offline.js), in each language, as a static script per
language (`offline-words.fr.js`): fetched once and kept by the browser (its name carries its
content's hash), instead of a JSON block of ~2.4 KB in every page. Placeholders are written
`{name}` for the script: "%(n)s min ago" becomes "{n} min ago"."""

from __future__ import annotations

import json
import re

from inventory.core import i18n
from inventory.core.i18n import lazy_gettext as L

WORDS = {
    "kept": L("Kept copy from %(when)s (%(age)s): this page may have changed since."),
    "missing": L("You are offline and this page was not kept on this phone."),
    "minutes": L("%(n)s min ago"),
    "hours": L("%(n)s h ago"),
    "days": L("%(n)s days ago"),
    "just_now": L("just now"),
    "waiting": L("%(n)s actions waiting to send"),
    "waiting_one": L("1 action waiting to send"),
    "conflicts": L("%(n)s to settle: the device changed meanwhile"),
    "sign_in": L("Sign in again to send them."),
    "see": L("See them"),
    "queued": L("Kept on this phone: it will be sent when the connection returns."),
    "offline": L("No connection: actions are kept on this phone."),
    "keeping": L("Keeping %(done)s of %(total)s pages…"),
    "kept_done": L("Kept on this phone: %(n)s pages, %(when)s."),
    "keep_failed": L("Could not keep this site: %(error)s. Try again with a connection."),
    "kept_site": L("Kept on this phone since %(when)s (%(age)s)."),
    "refresh": L("Keep again (newer copy)"),
    "forget": L("Forget"),
    "state_waiting": L("Waiting to send"),
    "state_conflict": L("Conflict: the device changed meanwhile"),
    "state_error": L("Refused by the server"),
    "state_sent": L("Sent"),
    "queued_at": L("noted %(when)s"),
    "you_saw": L("What you saw"),
    "now": L("As it is now"),
    "send_anyway": L("Send anyway, over the current version"),
    "drop": L("Drop this action"),
    "send_now": L("Send now"),
    "nothing": L("Nothing waiting: every action was sent."),
    "kind_seen": L("Seen here"),
    "kind_intervention": L("Intervention"),
    "kind_move": L("Move"),
    "kind_fault": L("Fault report"),
    "kind_check": L("Audit scan"),
    "registered_in": L("Registered in: %(room)s"),
    "not_kept": L("Not a device kept on this phone: the server will say what it is."),
    "move_to": L("Move to: %(room)s"),
    "version": L("version %(n)s"),
    "no_room": L("no room"),
    "photo_dropped": L("The photo was not kept offline: add it from the fault's page."),
    "status_in_service": L("In service"),
    "status_in_stock": L("In stock"),
    "status_faulty": L("Faulty"),
    "status_in_repair": L("In repair"),
    "status_retired": L("Retired"),
    "signed_out": L("Signed out on this phone. The actions not sent yet are kept until you sign in again."),
}

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def words(language: str) -> dict[str, str]:
    """Every word of the offline mode in `language`, placeholders as {name}."""
    translations = i18n.translations(language)
    return {key: _PLACEHOLDER.sub(r"{\1}", translations.gettext(message.message))
            for key, message in WORDS.items()}


def script_name(language: str) -> str:
    return f"offline-words.{language}.js"


def word_files() -> dict[str, bytes]:
    """The static file of each language: it sets window.inventoryOfflineWords."""
    return {script_name(language): (
        "window.inventoryOfflineWords = "
        + json.dumps(words(language), ensure_ascii=False, sort_keys=True) + ";\n").encode()
        for language in i18n.LANGUAGES}
