"""What the OpenAPI description says about the API's errors: the JSON bodies the exception
handlers of app.py answer with, for every status an operation can give."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from litestar import get, patch, post
from litestar.openapi.datastructures import ResponseSpec


@dataclass
class ApiError:
    error: str  # not_authenticated, http_error, validation, not_found, conflict
    detail: str
    fields: dict[str, str] | None = None  # validation: message per field


@dataclass
class ApiConflict:
    error: str
    detail: str
    current: dict[str, Any]  # the record as stored now


ERROR_RESPONSES = {
    400: ResponseSpec(ApiError, description="Invalid input; `fields` gives a message per field"),
    401: ResponseSpec(ApiError, description="No valid API token or session"),
    403: ResponseSpec(ApiError, description="The account's role does not allow this"),
    404: ResponseSpec(ApiError, description="Not found (or outside the account's sites)"),
    409: ResponseSpec(ApiConflict, description="The record changed since `version`"),
}

api_get = partial(get, responses=ERROR_RESPONSES)
api_post = partial(post, responses=ERROR_RESPONSES)
api_patch = partial(patch, responses=ERROR_RESPONSES)
