"""An import report as lines of text, for the command line. Pure."""

from __future__ import annotations

from collections.abc import Iterator

from inventory.core.i18n import _, ngettext


def action_label(action: str) -> str:
    return {"create": _("create"), "update": _("update"), "unchanged": _("unchanged"),
            "error": _("error")}.get(action, action)


def error_lines(report) -> Iterator[str]:
    if report.problem:
        yield report.problem
    for number, column, message in report.errors():
        if column:
            yield _("Row %(row)d, column “%(column)s”: %(message)s") % {
                "row": number, "column": column, "message": message}
        else:
            yield _("Row %(row)d: %(message)s") % {"row": number, "message": message}


def skipped_lines(report) -> Iterator[str]:
    """Rows not read as devices (totals), and why; and the header row taken."""
    if report.header and not report.problem and report.header_row != 1:
        yield _("Column names read from row %(row)d.") % {"row": report.header_row}
    for number, reason in report.skipped:
        yield _("Row %(row)d skipped: %(reason)s") % {"row": number, "reason": reason}


def note_lines(report) -> Iterator[str]:
    """Values read but adjusted (an amount rounded to the cent)."""
    for row in report.rows:
        for column, message in row.notes:
            yield _("Row %(row)d, column “%(column)s”: %(message)s") % {
                "row": row.number, "column": column, "message": message}


def row_lines(report) -> Iterator[str]:
    for row in report.rows:
        changed = f" ({', '.join(row.changed)})" if row.changed else ""
        yield f"{row.number}\t{action_label(row.action)}\t{row.tag}{changed}"


def summary(report, *, dry_run: bool) -> str:
    if report.problem:
        return _("Nothing was imported.")
    counts = report.counts
    figures = _("%(create)d to create, %(update)d to update, %(unchanged)d unchanged, "
                "%(error)d with errors") % {a: counts.get(a, 0)
                                           for a in ("create", "update", "unchanged", "error")}
    if counts.get("error"):
        return ngettext("%(num)d row has errors: nothing was imported.",
                        "%(num)d rows have errors: nothing was imported.",
                        counts["error"]) % {"num": counts["error"]} + " " + figures + "."
    if dry_run:
        return _("Dry run, nothing written:") + " " + figures + "."
    return _("Imported:") + " " + figures + "."


def created_text(created, *, done: bool = False) -> str:
    """"12 new sites, 37 new rooms, 4 new categories, 19 new models" (what a dry run will
    create, or what an import created)."""
    parts = []
    for kind, text in (
            ("sites", lambda n: ngettext("%(num)d new site", "%(num)d new sites", n)),
            ("rooms", lambda n: ngettext("%(num)d new room", "%(num)d new rooms", n)),
            ("categories", lambda n: ngettext("%(num)d new category", "%(num)d new categories",
                                              n)),
            ("models", lambda n: ngettext("%(num)d new model", "%(num)d new models", n))):
        if created.get(kind):
            parts.append(text(created[kind]) % {"num": created[kind]})
    if not parts:
        return ""
    return (_("Created: %(list)s.") if done else _("Will be created: %(list)s.")) % {
        "list": ", ".join(parts)}
