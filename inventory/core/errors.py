"""The errors services raise (bad input per field, not found, stale version) and the
collector that gathers every field's error at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


class FieldError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValidationFailed(Exception):
    """Input refused; `errors` maps each field to a message a person can act on."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__(dict(errors))
        self.errors = dict(errors)


class NotFound(Exception):
    pass


class Conflict(Exception):
    """The row changed since the form was loaded: `current` holds what is stored now."""

    def __init__(self, current: Mapping[str, Any]):
        super().__init__("stale version")
        self.current = dict(current)


class Collector:
    """Runs each field's parser and gathers every error, so the form shows them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def field(self, name: str, parser: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            value = parser(*args, **kwargs)
        except FieldError as error:
            self.errors[name] = error.message
            return None
        self.values[name] = value
        return value

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)

