"""The lists' filters that name a record (a site's or a category's code, a device's tag, a
contract's id): a value naming none is a 400 naming the parameter, not an empty list (a typo
would read as "nothing here"). Each check reads the value as its list reads it. (The
devices' list has its own, `api.controllers._known_filters`.)"""

from __future__ import annotations

from inventory.accounts.scope import EVERYTHING, Scope
from inventory.assets import service as assets
from inventory.contracts import service as contracts
from inventory.core import kept
from inventory.core.errors import NotFound, ValidationFailed
from inventory.core.i18n import _
from inventory.sites import service as sites


async def known_fault_filters(scope: Scope, *, site: str | None, category: str | None,
                              asset: str | None) -> None:
    """The faults' list: a site of the person's (another school's code is the same 400 as
    one that does not exist), a category, a device's tag. A tag need only exist: a device
    moved away leaves its faults at the person's site, and a label's page already says
    whether a tag exists."""
    errors = {}
    if site and not any(s["code"] == site.upper() for s in await sites.site_choices(scope)):
        errors["site"] = _("No site of yours has this code.")
    if category and not any(c["code"] == category.upper()
                            for c in (await kept.rows(assets.CATEGORY_CHOICES))[0]):
        errors["category"] = _("No category has this code.")
    if asset and not await assets.tag_exists(asset, EVERYTHING):
        errors["asset"] = _("No device has this tag.")
    if errors:
        raise ValidationFailed(errors)


async def known_contract(scope: Scope, contract_id: int | None) -> None:
    """The purchases' list: a contract the person sees (owned or shared)."""
    if contract_id is None:
        return
    try:
        await contracts.get_contract(contract_id, scope)
    except NotFound:
        raise ValidationFailed({"contract": _("No contract of yours has this number.")}
                               ) from None
