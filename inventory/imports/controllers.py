"""Import pages: upload a file, map its columns, check (dry run), import. Thin: the service
does the work, the same as `inventory import`."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from inventory.accounts import permissions as p
from inventory.core.errors import NotFound
from inventory.core.fields import FIELD_LABELS
from inventory.core.i18n import _
from inventory.core.settings import PROJECT_ROOT, Settings
from inventory.imports import columns, profiles, reading, report_text, service, uploads
from inventory.imports import values as value_rules
from inventory.web.dependencies import Installation, ProcessSettings
from inventory.web.pages import form_post, render, see_other

EXAMPLE = PROJECT_ROOT / "examples" / "inventaire-exemple.csv"
SAMPLE_ROWS = 3
SHOWN_ROWS = 2000  # rows listed on the report page (counts and errors are always complete)


def _importer(request: Request, settings: Settings) -> service.Importer:
    """`settings`: the installation's (tag prefix and language of the set-up page)."""
    user = request.user
    return service.Importer(actor=user.actor, scope=user.scope,
                            may_create_categories=user.can(p.CATALOG_WRITE),
                            prefix=settings.filled_tag_prefix, digits=settings.tag_digits,
                            language=settings.default_language,
                            may_create_sites=user.can(p.SITE_WRITE),
                            may_transfer=user.can(p.SITE_WRITE))


def _header_row(value: Any) -> int | None:
    """The header row the person chose (a field of the mapping screen); None: found."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip()) or None
    return None


def _reading_options(form: Any) -> service.ImportOptions:
    """How to read the file: the header row and the order of dates the person chose."""
    order = form.get("date_order")
    return service.ImportOptions(
        header_row=_header_row(form.get("header_row")),
        date_order=order if order in columns.DATE_ORDERS else "dmy")


@get("/imports", permission=p.IMPORT_RUN)
async def import_index() -> Template:
    return render("imports/index.html", error="",
                  limit_mb=reading.MAX_FILE_BYTES // (1024 * 1024),
                  profiles=await profiles.list_profiles())


@post("/imports", permission=p.IMPORT_RUN,
      request_max_body_size=2 * reading.MAX_FILE_BYTES)
async def import_upload(request: Request, settings: ProcessSettings) -> Template | Redirect:
    form = await request.form()
    upload = form.get("file")
    limit_mb = reading.MAX_FILE_BYTES // (1024 * 1024)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return render("imports/index.html", 400, error=_("Choose a file to import."),
                      limit_mb=limit_mb)
    data = await upload.read()
    try:
        reading.check_size(len(data))
    except reading.FileProblem as problem:
        return render("imports/index.html", 400, error=problem.message, limit_mb=limit_mb)
    upload_id = uploads.save(settings.data_dir, request.user.id, upload.filename, data)
    path, _meta = uploads.load(settings.data_dir, upload_id, request.user.id)
    try:
        reading.inspect(path)
    except reading.FileProblem as problem:
        uploads.discard(settings.data_dir, upload_id)
        return render("imports/index.html", 400, error=problem.message, limit_mb=limit_mb)
    return see_other(f"/imports/{upload_id}")


@get("/imports/example.csv", permission=p.IMPORT_RUN)
async def import_example() -> Response:
    return Response(EXAMPLE.read_bytes(), media_type="text/csv; charset=windows-1252",
                    headers={"content-disposition":
                             f'attachment; filename="{EXAMPLE.name}"'})


def _samples(path: Path, info: reading.TableInfo) -> list[list[str]]:
    try:
        return [cells for _n, cells, _x in itertools.islice(reading.rows(path, info), SAMPLE_ROWS)]
    except reading.FileProblem:
        return []


def _mapping_page(upload_id: str, meta: dict[str, Any], path: Path, info: reading.TableInfo,
                  mapping: list[str], options: service.ImportOptions, status: int = 200,
                  report: service.Report | None = None, problem: str = "",
                  choices: dict[str, Any] | None = None) -> Template:
    return render(
        "imports/mapping.html", status, upload_id=upload_id, meta=meta, info=info,
        samples=_samples(path, info), mapping=mapping, fields=columns.FIELDS, report=report,
        problem=problem, shown_rows=SHOWN_ROWS, action_label=report_text.action_label,
        options=options, price_note=columns.price_note(info.header, mapping),
        field_label=lambda name: str(FIELD_LABELS.get(name, columns.FIELDS.get(name, name))),
        created_text=report_text.created_text, **(choices or {}))


# The choices beyond the columns (values screen, defaults for all rows, saved profiles)

_NOT_CARRIED = ("value-", "choice-")
_OWN_FIELDS = {"action", "_csrf_token", "profile_name"}


def _carried(form: Any) -> list[tuple[str, str]]:
    """The columns screen's fields, carried as hidden fields through the values screen
    (whatever that screen holds: columns, header row, date order, defaults, profile)."""
    return [(k, x) for k, x in form.items() if isinstance(x, str)
            and k not in _OWN_FIELDS and not k.startswith(_NOT_CARRIED)]


async def _choice_lists(form: Any, profile: profiles.Profile | None = None) -> dict[str, Any]:
    """What the columns screen offers besides the columns: a site and a category for all
    rows, the saved profiles."""
    _refs, ours = await service._our_choices()
    defaults = dict(profile.defaults) if profile else {}
    for name in profiles.DEFAULT_FIELDS:
        if isinstance(form.get(f"default_{name}"), str):
            defaults[name] = form.get(f"default_{name}")
    return {"our_sites": ours["site"], "our_categories": ours["category"],
            "defaults": defaults, "saved_profiles": await profiles.list_profiles(),
            "profile_id": form.get("profile", "")}


async def _profile_of(form: Any) -> profiles.Profile | None:
    try:
        _row, profile = await profiles.get_profile(int(form.get("profile") or ""))
    except (ValueError, NotFound):
        return None
    return profile


async def _options(form: Any, with_values: bool) -> service.ImportOptions:
    """Everything the person chose: how to read the file, values, defaults, profile."""
    reading_options = _reading_options(form)
    defaults = {name: form.get(f"default_{name}") for name in profiles.DEFAULT_FIELDS
                if isinstance(form.get(f"default_{name}"), str) and form.get(f"default_{name}")}
    profile = await _profile_of(form)
    # The values screen posts its choices; the first time there, the profile's (if any).
    chosen = service.values_from_form(form) if with_values else (
        profile.values if profile else {})
    # What a profile says to create (its file's [defaults] create); the rights still apply.
    create = profile.create if profile else frozenset()
    return service.ImportOptions(header_row=reading_options.header_row,
                                 date_order=reading_options.date_order,
                                 values=chosen, defaults=defaults, create=create)


async def _values_page(importer: service.Importer, upload_id: str, meta: dict[str, Any], path: Path,
                       mapping: list[str], form: Any, options: service.ImportOptions,
                       status: int = 200, report: service.Report | None = None,
                       problem: str = "", notice: str = "") -> Template:
    screen = await service.values_to_map(path, mapping, importer, options)
    names = {name: {c.key: c.label for c in screen.choices[name]} for name in screen.choices}
    return render(
        "imports/values.html", status, upload_id=upload_id, meta=meta, screen=screen,
        names=names, create=value_rules.CREATE, carried=_carried(form), report=report,
        problem=problem, notice=notice, shown_rows=SHOWN_ROWS,
        action_label=report_text.action_label, created_text=report_text.created_text,
        field_label=lambda name: str(FIELD_LABELS.get(name, columns.FIELDS.get(name, name))),
        value_field_label=_value_field_label)


def _value_field_label(name: str) -> str:
    return {"category": _("Categories"), "status": _("Statuses"), "site": _("Sites"),
            "manufacturer": _("Manufacturers"), "organisation": _("Organisations")}[name]


def _inspect(path: Path, options: service.ImportOptions
             ) -> tuple[reading.TableInfo, service.ImportOptions, str]:
    """The file read with the header row the person chose; when that row cannot be a header,
    the file as found, and why."""
    try:
        return reading.inspect(path, header_row=options.header_row), options, ""
    except reading.FileProblem as problem:
        if options.header_row is None:
            raise
        found = service.ImportOptions(date_order=options.date_order)
        return reading.inspect(path), found, problem.message


@get("/imports/{upload_id:str}", permission=p.IMPORT_RUN)
async def import_mapping(request: Request, upload_id: FromPath[str],
                         settings: ProcessSettings) -> Template:
    """The columns screen; `?header_row=N` reads the columns from row N, `?profile=ID`
    applies a saved profile."""
    path, meta = uploads.load(settings.data_dir, upload_id, request.user.id)
    try:
        info, options, problem = _inspect(path, _reading_options(request.query_params))
    except reading.FileProblem as unreadable:
        return render("imports/index.html", 400, error=unreadable.message,
                      limit_mb=reading.MAX_FILE_BYTES // (1024 * 1024), profiles=[])
    query = request.query_params
    profile = await _profile_of(query)
    mapping = columns.guess_mapping(info.header, info.formats)
    if profile is not None and not problem:
        try:
            mapping = profiles.apply_to_header(profile, info.header)
        except columns.MappingProblem as refused:
            problem = refused.message
    return _mapping_page(upload_id, meta, path, info, mapping, options,
                         400 if problem else 200, problem=problem,
                         choices=await _choice_lists(query, profile))


@post("/imports/{upload_id:str}", permission=p.IMPORT_RUN)
async def import_run(request: Request, upload_id: FromPath[str], settings: ProcessSettings,
                     installation: Installation) -> Response:
    """Check the file with the chosen mapping (dry run), or import it ("action=import")."""
    path, meta = uploads.load(settings.data_dir, upload_id, request.user.id)
    form = await request.form()
    try:
        info, options, problem = _inspect(path, _reading_options(form))
    except reading.FileProblem as unreadable:
        return render("imports/index.html", 400, error=unreadable.message,
                      limit_mb=reading.MAX_FILE_BYTES // (1024 * 1024))
    if problem:
        return _mapping_page(upload_id, meta, path, info,
                             columns.guess_mapping(info.header, info.formats), options, 400,
                             problem=problem, choices=await _choice_lists(form))
    mapping = service.mapping_from_form(info.header, form)
    try:
        columns.check_mapping(mapping)
    except columns.MappingProblem as refused:
        return _mapping_page(upload_id, meta, path, info, mapping, options, 400,
                             problem=refused.message, choices=await _choice_lists(form))
    action = form.get("action")
    on_values = form.get("screen") == "values" or action in ("values", "save_profile")
    options = await _options(form, with_values=form.get("screen") == "values")
    importer = _importer(request, installation)
    if action == "values":
        return await _values_page(importer, upload_id, meta, path, mapping, form, options)
    if action == "save_profile":
        return await _save_profile(request, importer, upload_id, meta, path, mapping, form,
                                   options, info)
    commit = action == "import"
    report = await service.run_import(path, mapping, importer, commit=commit,
                                      options=options)
    if report.committed:
        uploads.finish(settings.data_dir, upload_id, {
            "counts": dict(report.counts), "created": dict(report.created_refs),
            "skipped": len(report.skipped)})
        return see_other(f"/imports/{upload_id}/done")
    status = 200 if report.ok else 400
    if on_values:
        return await _values_page(importer, upload_id, meta, path, mapping, form, options,
                                  status, report=report, problem=report.problem)
    return _mapping_page(upload_id, meta, path, info, mapping, options, status, report=report,
                         problem=report.problem, choices=await _choice_lists(form))


async def _save_profile(request: Request, importer: service.Importer, upload_id: str,
                        meta: dict[str, Any], path: Path, mapping: list[str], form: Any,
                        options: service.ImportOptions, info: reading.TableInfo) -> Response:
    profile = profiles.Profile(
        columns={column: mapping[i] or "ignore" for i, column in enumerate(info.header)
                 if column},
        values={k: dict(x) for k, x in options.values.items()}, defaults=dict(options.defaults))
    return await form_post(
        profiles.save_profile(str(form.get("profile_name") or ""), profile, request.user.actor),
        done=lambda row: _values_page(
            importer, upload_id, meta, path, mapping, form, options,
            notice=_("The choices are saved as the profile “%(name)s”.") % {"name": row["name"]}),
        invalid=lambda errors: _values_page(importer, upload_id, meta, path, mapping, form,
                                            options, 400, problem=next(iter(errors.values()))))


@get("/imports/profiles/{profile_id:int}/profile.toml", permission=p.IMPORT_RUN)
async def profile_download(profile_id: FromPath[int]) -> Response:
    row, profile = await profiles.get_profile(profile_id)
    text = profiles.to_toml(profile, title=_("Import profile “%(name)s”: inventory import "
                                             "FILE --mapping this-file.toml") % {
                                                 "name": row["name"]})
    filename = re.sub(r"[^A-Za-z0-9_-]+", "-", row["name"]).strip("-") or "profile"
    return Response(text.encode("utf-8"), media_type="application/toml; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{filename}.toml"'})


@post("/imports/profiles/{profile_id:int}/delete", permission=p.IMPORT_RUN)
async def profile_delete(request: Request, profile_id: FromPath[int]) -> Redirect:
    await profiles.delete_profile(profile_id, request.user.actor)
    return see_other("/imports")


@get("/imports/{upload_id:str}/done", permission=p.IMPORT_RUN)
async def import_done(request: Request, upload_id: FromPath[str],
                      settings: ProcessSettings) -> Template:
    meta = uploads.outcome(settings.data_dir, upload_id, request.user.id)
    return render("imports/done.html", meta=meta, counts=meta["outcome"]["counts"],
                  created=meta["outcome"]["created"], created_text=report_text.created_text)


import_routes = [import_index, import_upload, import_example, import_mapping, import_run,
                 import_done, profile_download, profile_delete]
