"""Label printing: which labels (assets, rooms, blank tags), in which format, with which
printer offsets. Shared by the pages and the `inventory labels` command."""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass
from typing import Any

from inventory.accounts import service as accounts
from inventory.accounts.scope import Scope
from inventory.assets import queries
from inventory.assets import service as assets
from inventory.assets.rules import format_tag, looks_like_tag, normalise_tag
from inventory.core import audit
from inventory.core import parsers as v
from inventory.core.audit import Actor
from inventory.core.errors import Collector, FieldError, NotFound, ValidationFailed
from inventory.core.i18n import _
from inventory.core.settings import Settings
from inventory.core.tables import Asset, ReservedTag, Room
from inventory.labels import pdf
from inventory.labels.formats import LabelFormat, all_formats
from inventory.labels.layout import MIN_MODULE_MM, LabelContent, LabelTooSmall, smallest_module
from inventory.organisations import service as organisations
from inventory.sites import service as site_service
from inventory.sites.rules import sort_rooms

MAX_LABELS = 5000  # one request; a whole commune fits, a runaway query does not
MAX_BLANK = 500


@dataclass(frozen=True)
class LabelOptions:
    format_name: str
    skip: int = 0
    owner_line: str = ""
    support_phone: str = ""


def clean_options(raw: dict[str, Any], settings: Settings) -> tuple[LabelOptions, LabelFormat]:
    """Check the chosen format and start position; refuse a format too small for a QR
    code that phones read, naming the smallest shipped format that works."""
    formats = all_formats()
    name = raw.get("format") or "avery-l7160"
    if name not in formats:
        raise ValidationFailed({"format": _("Choose one of the proposed values.")})
    fmt = formats[name]
    try:
        skip = v.integer(raw.get("skip"), minimum=0, maximum=max(0, fmt.per_page - 1)) or 0
    except FieldError as error:
        raise ValidationFailed({"skip": error.message}) from None
    # The installation's effective settings (setup.effective): each one is filled in.
    assert settings.base_url is not None and settings.tag_prefix is not None
    sample_url = asset_url(settings.base_url, format_tag(settings.tag_prefix, 999999,
                                                         settings.tag_digits))
    if smallest_module(fmt.label_width, fmt.label_height, sample_url) < MIN_MODULE_MM:
        raise ValidationFailed({"format": too_small_message(sample_url)})
    owner = raw.get("owner", settings.label_owner)
    return LabelOptions(format_name=name, skip=skip, owner_line=(owner or "")[:120],
                        support_phone=settings.support_phone or ""), fmt


def too_small_message(sample_url: str) -> str:
    fitting = sorted(
        (f for f in all_formats().values()
         if smallest_module(f.label_width, f.label_height, sample_url) >= MIN_MODULE_MM),
        key=lambda f: f.label_width * f.label_height)
    smallest = fitting[0].title if fitting else "—"
    return _("These labels are too small for a QR code that phones read reliably. "
             "The smallest format that works is %(format)s.") % {"format": smallest}


def asset_url(base_url: str, tag: str) -> str:
    return f"{base_url}/a/{tag}"


def room_url(base_url: str, room_id: int) -> str:
    return f"{base_url}/rooms/{room_id}"


def _lines(*parts: str) -> tuple[str, ...]:
    return tuple(p for p in parts if p)


def parse_tags(text: str) -> tuple[list[str], list[str]]:
    """Tags typed or pasted in a box (spaces, commas, new lines): (tags, what is not a tag)."""
    tags: list[str] = []
    wrong: list[str] = []
    for word in re.split(r"[\s,;]+", text or ""):
        if not word:
            continue
        (tags if looks_like_tag(word) else wrong).append(normalise_tag(word))
    return list(dict.fromkeys(tags)), wrong


def missing_tags(asked: list[str], contents: list[LabelContent]) -> list[str]:
    """The tags asked for that got no label (unknown, mistyped, or outside the selection)."""
    found = {c.tag for c in contents}
    return [t for t in asked if t not in found]


async def asset_contents(f: assets.AssetFilter, scope: Scope, options: LabelOptions, *,
                         base_url: str, tags: tuple[str, ...] = ()) -> list[LabelContent]:
    """One label per asset of the selection (the asset list's filter, or a list of tags),
    in tag order; retired assets are left out unless asked for by tag or status."""
    if not tags and not f.status:
        f = assets.AssetFilter(**{**f.__dict__, "status": "active"})
    where, args = await assets.where_clause(f, scope, tags)
    select = "SELECT asset.owner AS owner_id, " + queries.LIST_SELECT.removeprefix("SELECT ")
    rows = await Asset.raw(select + where + " ORDER BY asset.tag LIMIT {}",
                           *args, MAX_LABELS).run()
    owners = await organisations.owner_lines()
    return [
        LabelContent(
            url=asset_url(base_url, row["tag"]), tag=row["tag"],
            lines=_lines(" ".join(x for x in (row["category_name"], row["model_name"]) if x),
                         row["site_name"], row["room_name"] or "",
                         owners.get(row["owner_id"], options.owner_line),
                         options.support_phone))
        for row in rows
    ]


async def room_contents(site_code: str, room_id: int | None, scope: Scope,
                        options: LabelOptions, *, base_url: str) -> list[LabelContent]:
    """Door labels: the QR opens the room's page (its equipment, report a fault there)."""
    site = await site_service.get_site(site_code, scope)
    owner_line = (await organisations.owner_lines()).get(site["owner"], options.owner_line)
    query = Room.select(Room.id, Room.name).where(Room.site == site["id"])
    if room_id:
        query = query.where(Room.id == room_id)
    return [
        LabelContent(url=room_url(base_url, room["id"]), tag=room["name"],
                     lines=_lines(site["name"], owner_line, options.support_phone))
        for room in sort_rooms(await query.run())
    ]


async def reserve_blank_tags(count: int, actor: Actor | str, *, prefix: str, digits: int) -> str:
    """Take `count` tags from the sequence for labels printed ahead of time; returns the
    batch they belong to."""
    if not 1 <= count <= MAX_BLANK:
        raise ValidationFailed({"count": _("Enter a number of at least %(n)d.") % {"n": 1}
                                  if count < 1 else
                                  _("Enter a number of at most %(n)d.") % {"n": MAX_BLANK}})
    batch = secrets.token_hex(8)
    actor = audit.as_actor(actor)
    async with audit.atomic():
        tags = [await assets.next_tag(prefix, digits) for _ in range(count)]
        await ReservedTag.insert(*[ReservedTag(tag=t, batch=batch, reserved_by=actor.label)
                                   for t in tags]).run()
        await audit.record(actor=actor, entity="label", entity_key=batch, action="reserve",
                           changes={"tags": [None, f"{tags[0]} – {tags[-1]}"]})
    return batch


async def blank_contents(batch: str, options: LabelOptions, *, base_url: str
                         ) -> list[LabelContent]:
    rows = await ReservedTag.select(ReservedTag.tag).where(ReservedTag.batch == batch).order_by(
        ReservedTag.tag).run()
    if not rows:
        raise NotFound(batch)
    return [LabelContent(url=asset_url(base_url, r["tag"]), tag=r["tag"],
                         lines=_lines(options.owner_line, options.support_phone))
            for r in rows]


async def reserved_tag(tag: str) -> dict[str, Any] | None:
    """The reservation of a blank label's tag, if it is still waiting for its device."""
    return await ReservedTag.select().where(
        (ReservedTag.tag == normalise_tag(tag)) & ReservedTag.used_at.is_null()).first().run()


# Printer offsets, remembered per format


def _offset_key(format_name: str) -> str:
    return f"label_offset:{format_name}"


async def get_offset(format_name: str) -> tuple[float, float]:
    value = await accounts.get_setting(_offset_key(format_name))
    try:
        dx, dy = (float(x) for x in (value or "0;0").split(";"))
    except ValueError:
        return 0.0, 0.0
    return dx, dy


async def saved_offsets() -> list[tuple[str, float, float]]:
    """(format, right, up) of every format whose offsets are not zero, in format order."""
    found = []
    for name in all_formats():
        dx, dy = await get_offset(name)
        if dx or dy:
            found.append((name, dx, dy))
    return found


async def set_offset(format_name: str, raw: dict[str, Any], actor: Actor | str) -> None:
    if format_name not in all_formats():
        raise ValidationFailed({"format": _("Choose one of the proposed values.")})
    c = Collector()
    for field in ("dx", "dy"):
        c.field(field, _offset_mm, raw.get(field))
    c.raise_if_any()
    await accounts.set_setting(_offset_key(format_name), f"{c.values['dx']};{c.values['dy']}")
    await audit.record(actor=actor, entity="label", entity_key=format_name, action="offset",
                       changes={"offset": [None, f"{c.values['dx']} ; {c.values['dy']} mm"]})


def _offset_mm(value: Any) -> float:
    text = str(value or "0").strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise FieldError(_("Enter a number of millimetres, such as -1,5.")) from None
    if not -20 <= number <= 20:
        raise FieldError(_("An offset stays between -20 and 20 mm."))
    return round(number, 2)


async def render(contents: list[LabelContent], options: LabelOptions, fmt: LabelFormat) -> bytes:
    if not contents:
        raise ValidationFailed({"selection": _("No label to print for this selection.")})
    buffer = io.BytesIO()
    try:
        pdf.render_labels(fmt, contents, buffer, skip=options.skip,
                          offset=await get_offset(fmt.name))
    except LabelTooSmall:
        raise ValidationFailed({"format": too_small_message(contents[0].url)}) from None
    return buffer.getvalue()


async def render_calibration(fmt: LabelFormat) -> bytes:
    buffer = io.BytesIO()
    dx, dy = await get_offset(fmt.name)
    pdf.render_calibration(fmt, buffer, [
        fmt.title,
        _("Print at actual size (no fit to page) on plain paper, then hold it against a sheet."),
        _("Read on the rulers how far the outlines are from the labels, in millimetres."),
        _("Current offset: %(dx)s mm right, %(dy)s mm up.") % {"dx": dx, "dy": dy},
    ], offset=(dx, dy))
    return buffer.getvalue()


async def sites_for(scope: Scope) -> list[dict[str, Any]]:
    return await site_service.site_choices(scope)
