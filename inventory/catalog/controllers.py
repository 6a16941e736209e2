"""Categories and models pages."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from inventory.accounts import permissions as p
from inventory.accounts.scope import EVERYTHING
from inventory.catalog import service
from inventory.faults import symptoms
from inventory.web.pages import RowId, form_data, form_post, form_version, render


async def categories_page(request: Request, status: int = 200, **context) -> Template:
    scope = request.user.scope
    categories = await service.list_categories(scope)
    if not categories and request.user.can(p.CATALOG_WRITE) and "starter" not in context:
        from inventory.setup.service import starter_rows

        context["starter"] = starter_rows()  # an empty catalog offers the usual ones
    return render("catalog/categories.html", status, categories=categories,
                  models=await service.list_models(scope),
                  created=request.query_params.get("created"), **context)


@get("/categories", permission=p.FLEET_READ)
async def categories_index(request: Request) -> Template:
    return await categories_page(request)


@get("/categories/new", permission=p.CATALOG_WRITE)
async def category_new() -> Template:
    return render("catalog/category_form.html", category=None,
                  values={"lifespan_years": "5"}, errors={})


@post("/categories/new", permission=p.CATALOG_WRITE)
async def category_create(request: Request) -> Response:
    data = await form_data(request)
    return await form_post(
        service.create_category(data, request.user.actor), done="/categories",
        invalid=lambda errors: render("catalog/category_form.html", 400, category=None,
                                      values=data, errors=errors))


def _edit_form(status: int = 200, **context: Any) -> Template:
    """The category's form with its symptoms to tick (stored text or the list just sent)."""
    chosen = context["values"].get("symptoms")
    if not isinstance(chosen, list):
        chosen = symptoms.parse(chosen)
    return render("catalog/category_form.html", status, all_symptoms=symptoms.all_symptoms(),
                  chosen_symptoms=chosen, other_symptom=symptoms.OTHER, **context)


@get("/categories/{code:str}/edit", permission=p.CATALOG_WRITE)
async def category_edit(code: FromPath[str]) -> Template:
    category = await service.get_category(code)
    return _edit_form(category=category, values=category, errors={})


@post("/categories/{code:str}/edit", permission=p.CATALOG_WRITE)
async def category_update(request: Request, code: FromPath[str]) -> Response:
    category = await service.get_category(code)
    form = await request.form()
    data: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    # The ticked symptoms (a hidden empty value says the list was sent, even with none);
    # a form without the list keeps the stored one.
    if "symptoms" in form:
        data["symptoms"] = [v for v in form.getall("symptoms") if isinstance(v, str) and v]
    else:
        data["symptoms"] = category["symptoms"]
    return await form_post(
        service.update_category(code, data, form_version(data), request.user.actor),
        done="/categories",
        invalid=lambda errors: _edit_form(400, category=category, values=data, errors=errors),
        conflict=lambda current: _edit_form(409, category=current, values=data, errors={},
                                            conflict=current))


async def _model_form(status: int = 200, **context) -> Template:
    categories = await service.list_categories(EVERYTHING)
    return render("catalog/model_form.html", status, categories=categories, **context)


@get("/models/new", permission=p.CATALOG_WRITE)
async def model_new(request: Request) -> Template:
    return await _model_form(model=None, values={
        "category": request.query_params.get("category", "")}, errors={})


@post("/models/new", permission=p.CATALOG_WRITE)
async def model_create(request: Request) -> Response:
    data = await form_data(request)
    return await form_post(
        service.create_model(data, request.user.actor), done="/categories#models",
        invalid=lambda errors: _model_form(400, model=None, values=data, errors=errors))


@get("/models/{model_id:int}/edit", permission=p.CATALOG_WRITE)
async def model_edit(model_id: RowId) -> Template:
    model = await service.get_model(model_id)
    return await _model_form(model=model, values={**model, "category": model["category_code"]},
                             errors={})


@post("/models/{model_id:int}/edit", permission=p.CATALOG_WRITE)
async def model_update(request: Request, model_id: RowId) -> Response:
    model = await service.get_model(model_id)
    data = await form_data(request)

    async def stale(_row) -> Template:  # the stored row with its category's code, as shown
        current = await service.get_model(model_id)
        return await _model_form(409, model=current, values=data, errors={}, conflict=current)

    return await form_post(
        service.update_model(model_id, data, form_version(data), request.user.actor),
        done="/categories#models",
        invalid=lambda errors: _model_form(400, model=model, values=data, errors=errors),
        conflict=stale)


catalog_routes = [
    categories_index, category_new, category_create, category_edit, category_update,
    model_new, model_create, model_edit, model_update,
]
