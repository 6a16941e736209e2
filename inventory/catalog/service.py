"""Categories (with lifecycle defaults) and models: queries and rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inventory.accounts.scope import Scope
from inventory.assets import service as assets
from inventory.core import audit, db
from inventory.core import parsers as v
from inventory.core.audit import Actor
from inventory.core.errors import Collector, NotFound, ValidationFailed
from inventory.core.i18n import _
from inventory.core.tables import Asset, AssetModel, Category
from inventory.faults import symptoms
from inventory.sites.rules import code_problem


def _boolean(value: Any) -> bool:
    return value in (True, "on", "true", "1", 1, "yes")


def clean_category(raw: Mapping[str, Any]) -> dict[str, Any]:
    c = Collector()
    code = c.field("code", v.text, raw.get("code"), required=True, max_length=32)
    if code:
        c.values["code"] = code = code.upper()
        if problem := code_problem(code):
            c.error("code", problem)
    c.field("name", v.text, raw.get("name"), required=True, max_length=120)
    c.field("lifespan_years", v.integer, raw.get("lifespan_years"), required=True,
            minimum=1, maximum=50)
    if "replacement_cost_cents" in raw:  # JSON API: integer cents
        c.field("replacement_cost_cents", v.cents, raw.get("replacement_cost_cents"))
    else:  # forms: euros as people type them
        c.field("replacement_cost_eur", v.euros_to_cents, raw.get("replacement_cost_eur"))
        c.values["replacement_cost_cents"] = c.values.pop("replacement_cost_eur", None)
    c.values["replacement_cost_cents"] = c.values.get("replacement_cost_cents") or 0
    if "price_change_bp" in raw:  # JSON API: hundredths of a percent
        c.field("price_change_bp", v.integer, raw.get("price_change_bp"), minimum=-5000,
                maximum=5000)
    else:  # forms: a percentage as people type it
        c.field("price_change_percent", v.percent_to_bp, raw.get("price_change_percent"))
        c.values["price_change_bp"] = c.values.pop("price_change_percent", None)
    c.values["price_change_bp"] = c.values.get("price_change_bp") or 0
    criticality = c.field("criticality", v.integer, raw.get("criticality"), minimum=0, maximum=3)
    c.values["criticality"] = 1 if criticality is None else criticality
    c.values["is_interactive_display"] = _boolean(raw.get("is_interactive_display"))
    c.values["is_network"] = _boolean(raw.get("is_network"))
    given = raw.get("symptoms")
    if given is None:  # a new category without a list: the field's defaults for its kind
        c.values["symptoms"] = symptoms.store(symptoms.defaults_for(
            code or "", interactive_display=c.values["is_interactive_display"],
            network=c.values["is_network"]))
    else:  # a list (API, form) or the stored text (a partial change)
        codes = [str(x) for x in given] if isinstance(given, (list, tuple)) else \
            str(given).split(",")
        if bad := symptoms.unknown(codes):
            c.error("symptoms", _("Unknown symptom: %(codes)s.") % {"codes": ", ".join(bad)})
        c.values["symptoms"] = symptoms.store(codes)
    c.raise_if_any()
    return c.values


async def _with_asset_counts(rows: list[dict[str, Any]], column: str,
                             scope: Scope) -> list[dict[str, Any]]:
    """Each row's `asset_count`: the devices not retired in `scope`'s sites whose `column`
    (category or model) is the row."""
    in_scope, args = scope.sql("site")
    counts = await Asset.raw(
        f"SELECT {column}, COUNT(*) AS n FROM asset WHERE status != 'retired' AND {in_scope} "
        f"GROUP BY {column}", *args
    ).run()
    by_row = {r[column]: r["n"] for r in counts}
    for row in rows:
        row["asset_count"] = by_row.get(row["id"], 0)
    return rows


async def list_categories(scope: Scope) -> list[dict[str, Any]]:
    categories = await Category.select().order_by(Category.name).run()
    return await _with_asset_counts(categories, "category", scope)


async def get_category(code: str) -> dict[str, Any]:
    category = await Category.select().where(Category.code == code.upper()).first().run()
    if category is None:
        raise NotFound(code)
    return category


async def _check_category_unique(code: str, exclude_id: int | None = None) -> None:
    if await db.taken(Category, Category.code == code, exclude_id):
        raise ValidationFailed({"code": _("Another category already uses this code.")})


async def create_category(raw: Mapping[str, Any], actor: Actor | str) -> dict[str, Any]:
    values = clean_category(raw)
    async with audit.atomic():
        await _check_category_unique(values["code"])
        row = (await Category.insert(Category(**values)).returning(*Category.all_columns()).run())[0]
        await audit.record(actor=actor, entity="category", entity_key=row["code"],
                           action="create", changes=audit.created_changes(values))
    return row


# What a partial change of a category keeps when it omits them (its stored columns).
CATEGORY_FIELDS = ("code", "name", "lifespan_years", "replacement_cost_cents", "price_change_bp",
                   "criticality", "is_interactive_display", "is_network", "symptoms")


async def update_category(code: str, raw: Mapping[str, Any], version: int | None,
                          actor: Actor | str, *, partial: bool = False) -> dict[str, Any]:
    """Save the category's fields. `partial` (the API's PATCH): the fields `raw` omits keep
    their stored values, read in the write transaction."""
    async with audit.atomic():
        category = await get_category(code)
        values = clean_category(
            {**{k: category[k] for k in CATEGORY_FIELDS}, **raw} if partial else raw)
        await _check_category_unique(values["code"], exclude_id=category["id"])
        await audit.update_versioned(
            Category, category["id"], version, values, entity="category",
            entity_key=values["code"], action="update", actor=actor,
        )
        if values["lifespan_years"] != category["lifespan_years"]:
            # The assets' stored end-of-life years follow, through the assets service.
            await assets.refresh_end_of_life(category["id"], actor)
    return await get_category(values["code"])


# Models


def clean_model(raw: Mapping[str, Any], category_ids: Mapping[str, int]) -> dict[str, Any]:
    c = Collector()
    category = c.field("category", v.text, raw.get("category"), required=True, max_length=32)
    if category:
        if category.upper() not in category_ids:
            c.error("category", _("Choose one of the proposed values."))
        else:
            c.values["category"] = category_ids[category.upper()]
    c.field("manufacturer", v.text, raw.get("manufacturer"), required=True, max_length=120)
    c.field("name", v.text, raw.get("name"), required=True, max_length=120)
    c.raise_if_any()
    return c.values


async def category_codes() -> dict[str, int]:
    rows = await Category.select(Category.id, Category.code).run()
    return {r["code"]: r["id"] for r in rows}


async def list_models(scope: Scope, category_id: int | None = None) -> list[dict[str, Any]]:
    query = AssetModel.select(
        *AssetModel.all_columns(),
        AssetModel.category.code.as_alias("category_code"),
        AssetModel.category.name.as_alias("category_name"),
    ).order_by(AssetModel.manufacturer).order_by(AssetModel.name)
    if category_id is not None:
        query = query.where(AssetModel.category == category_id)
    return await _with_asset_counts(await query.run(), "model", scope)


async def get_model(model_id: int) -> dict[str, Any]:
    model = (
        await AssetModel.select(*AssetModel.all_columns(),
                                AssetModel.category.code.as_alias("category_code"))
        .where(AssetModel.id == model_id).first().run()
    )
    if model is None:
        raise NotFound(str(model_id))
    return model


async def _check_model_unique(values: Mapping[str, Any], exclude_id: int | None = None) -> None:
    same = ((AssetModel.category == values["category"])
            & (AssetModel.manufacturer == values["manufacturer"])
            & (AssetModel.name == values["name"]))
    if await db.taken(AssetModel, same, exclude_id):
        raise ValidationFailed({"name": _("This model already exists in this category.")})


async def create_model(raw: Mapping[str, Any], actor: Actor | str) -> dict[str, Any]:
    values = clean_model(raw, await category_codes())
    async with audit.atomic():
        await _check_model_unique(values)
        row = (await AssetModel.insert(AssetModel(**values))
               .returning(*AssetModel.all_columns()).run())[0]
        await audit.record(actor=actor, entity="model", entity_key=str(row["id"]),
                           action="create", changes=audit.created_changes(values))
    return row


async def update_model(model_id: int, raw: Mapping[str, Any], version: int | None,
                       actor: Actor | str, *, partial: bool = False) -> dict[str, Any]:
    """Save the model's fields; `partial` as in update_category."""
    async with audit.atomic():
        model = await get_model(model_id)
        stored = {"category": model["category_code"], "manufacturer": model["manufacturer"],
                  "name": model["name"]}
        values = clean_model({**stored, **raw} if partial else raw, await category_codes())
        await _check_model_unique(values, exclude_id=model_id)
        await audit.update_versioned(
            AssetModel, model_id, version, values, entity="model", entity_key=str(model_id),
            action="update", actor=actor,
        )
    return await get_model(model_id)
