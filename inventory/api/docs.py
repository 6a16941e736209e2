"""The API's own plumbing: the error documents (as the OpenAPI description states them), the
strict reading of request bodies, the 400 of a wrong type or value naming the field, the 409
that answers the record in its normal document, and the bearer-token security scheme."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

import msgspec
from litestar import Request, Response, get, patch, post
from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Components, SecurityRequirement, SecurityScheme

from inventory.core.documents import Document, Input
from inventory.core.errors import Conflict, ValidationFailed
from inventory.core.i18n import _


class ApiError(msgspec.Struct, kw_only=True):
    error: str  # not_authenticated, http_error, validation, not_found, conflict
    detail: str
    fields: dict[str, str] | None = None  # validation: message per field or query parameter


# No generated examples: they would be random, a new description at every start.
_spec = partial(ResponseSpec, generate_examples=False)
ERROR_RESPONSES = {
    400: _spec(ApiError, description="Invalid input; `fields` gives a message per field "
                                 "or query parameter"),
    401: _spec(ApiError, description="No valid API token or session: sign in"),
    403: _spec(ApiError, description="The account's role does not allow this"),
    404: _spec(ApiError, description="Not found (or outside the account's sites)"),
}

SECURITY_SCHEME = "BearerToken"
SECURITY_COMPONENTS = Components(security_schemes={SECURITY_SCHEME: SecurityScheme(
    type="http", scheme="bearer",
    description="A personal API token, made on the account page or with "
                "`inventory token create EMAIL`")})
SECURITY: list[SecurityRequirement] = [{SECURITY_SCHEME: []}]

api_get = partial(get, responses=ERROR_RESPONSES)


def operation_id(handler: Any, method: Any, path: Any) -> str:
    """Each operation named after its handler (`asset_create`), so that a generated client's
    functions read well."""
    return handler.handler_name.removeprefix("api_")
_CONFLICTS: dict[type, type] = {}


def conflict_of(document: type[Document]) -> type:
    """The 409 body of a write: the record as stored now, in the document a read answers."""
    if document not in _CONFLICTS:
        _CONFLICTS[document] = msgspec.defstruct(
            f"{document.__name__.removesuffix('Document')}Conflict",
            [("error", str), ("detail", str), ("current", document)], kw_only=True)
    return _CONFLICTS[document]


def _writes(decorator, document: type[Document] | None = None, **kwargs):
    responses = dict(ERROR_RESPONSES)
    if document is not None:
        responses[409] = _spec(conflict_of(document),
                                      description="The record changed since `version`")
    return decorator(responses=responses, **kwargs)


def api_post(path: str, *, document: type[Document] | None = None, **kwargs):
    return _writes(post, document, path=path, **kwargs)


def api_patch(path: str, *, document: type[Document] | None = None, **kwargs):
    return _writes(patch, document, path=path, **kwargs)


class StaleVersion(Exception):
    def __init__(self, current: Document):
        super().__init__("stale version")
        self.current = current


T = TypeVar("T")


async def guarded(write: Awaitable[T], current: Callable[[], Awaitable[Document]]) -> T:
    """Run a write; a stale version answers 409 with the record as a read gives it now."""
    try:
        return await write
    except Conflict:
        raise StaleVersion(await current()) from None


def stale_version_handler(request: Request, exc: StaleVersion) -> Response:
    return Response({"error": "conflict",
                     "detail": _("Someone else changed this record since you loaded it."),
                     "current": exc.current}, status_code=409)


def required_version(data: Input) -> int:
    """A PATCH must send the `version` it read: without it, a change made by someone else
    since would be silently overwritten."""
    version = data.fields().get("version")
    if version is None:
        raise ValidationFailed({"version": _("Send the record's version as you read it, so "
                                             "that a change made since is not overwritten.")})
    return version


# Strict bodies: Litestar converts bodies leniently ("20" would become 20); a client that
# sends a number as text has a bug it should hear about, so each body is first read strictly.

async def strict_body(request: Request) -> None:
    parameter = request.route_handler.parsed_fn_signature.parameters.get("data")
    kind = parameter.annotation if parameter is not None else None
    if not (isinstance(kind, type) and issubclass(kind, Input)):
        return
    try:
        msgspec.json.decode(await request.body(), type=kind, strict=True)
    except msgspec.ValidationError as error:
        message, key = _problem(str(error))
        raise ValidationException(extra=[{"message": message, "key": key,
                                          "source": "body"}]) from None
    except msgspec.DecodeError:
        return  # not JSON at all: Litestar answers that itself


def _problem(error: str) -> tuple[str, str]:
    """msgspec's error -> (its message, the field it names: `caps[0].euros` in a list)."""
    message, _sep, where = error.rpartition(" - at `")
    if not _sep:
        message, where = error, "$"
    where = where.rstrip("`").rpartition(" in `")[2]  # a dict's key: the dict
    path = where[2:] if where.startswith("$.") else ""
    if named := _UNKNOWN.match(message) or _REQUIRED.match(message):
        path = f"{path}.{named.group(1)}" if path else named.group(1)
    return message, path or "data"


_UNKNOWN = re.compile(r"Object contains unknown field `([^`]+)`")


_REQUIRED = re.compile(r"Object missing required field `([^`]+)`")


def _message(message: str) -> str:
    """msgspec's English words as the messages the pages give (translated)."""
    if _REQUIRED.match(message):
        return _("This field is required.")
    if _UNKNOWN.match(message):
        return _("This field is not part of this document.")
    if message.startswith("Invalid enum value"):
        return _("Choose one of the proposed values.")
    if "date" in message and ("RFC3339" in message or "`date`" in message):
        return _("Enter a date such as 2024-12-31.")
    if message.startswith("Expected `int`") and ("<=" in message or ">=" in message
                                                 or "out of range" in message):
        return _("This number is out of range.")
    if message.startswith("Expected `int`") or message == "Integer value out of range":
        return _("Enter a whole number.")
    if message.startswith("Expected `bool`"):
        return _("Enter true or false.")
    if message.startswith("Expected `str`") and "length" in message:
        return _("This text is too long.")
    if message.startswith("Expected `str`"):
        return _("This field must be text.")
    if message.startswith("Expected `array`"):
        return _("Enter a list.")
    if message.startswith("Expected `object`"):
        return _("The body must be a JSON object.")
    return _("This value is not valid.")


def validation_exception_handler(request: Request, exc: ValidationException) -> Response:
    """A wrong type or value (body field or query parameter): 400 naming it, in the same
    document as the services' field errors."""
    fields: dict[str, str] = {}
    for problem in exc.extra if isinstance(exc.extra, list) else []:
        message = str(problem.get("message", ""))
        key = str(problem.get("key") or "data")
        if key == "data" and (required := _REQUIRED.match(message)):
            key = required.group(1)
        fields.setdefault(key, _message(message))
    if not fields:
        return Response({"error": "http_error", "detail": exc.detail}, status_code=400)
    return Response({"error": "validation", "detail": _("Some fields are not valid."),
                     "fields": fields}, status_code=400)
