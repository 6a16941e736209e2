"""Label formats: one TOML file per format in labels/. Pure: reads files, no DB, no HTTP."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from inventory.core.i18n import _, get_language
from inventory.core.settings import PROJECT_ROOT

FORMATS_DIR = PROJECT_ROOT / "labels"
NUMBER_FIELDS = ("page_width", "page_height", "label_width", "label_height", "left_margin",
                 "top_margin", "horizontal_pitch", "vertical_pitch")
COUNT_FIELDS = ("columns", "rows")


class FormatError(ValueError):
    """A format file that cannot be used: says which file and which field."""


@dataclass(frozen=True)
class LabelFormat:
    name: str
    default_title: str  # the file's `title`, in English
    kind: str  # "sheet" (A4 sheets) or "roll" (thermal printers: one label per page)
    page_width: float
    page_height: float
    columns: int
    rows: int
    label_width: float
    label_height: float
    left_margin: float
    top_margin: float
    horizontal_pitch: float
    vertical_pitch: float
    # ("fr", "Avery L7160 (A4, 3 × 7, 63,5 × 38,1 mm)"): the file's `title_fr` and the like.
    translated_titles: tuple[tuple[str, str], ...] = ()

    @property
    def title(self) -> str:
        """The title in the reader's language (the file's `title_<language>`), else the
        file's `title`."""
        return dict(self.translated_titles).get(get_language(), self.default_title)

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def cell(self, position: int) -> tuple[float, float]:
        """Bottom-left corner (mm, PDF coordinates from the page's bottom-left) of the
        label at `position` (0-based, row by row from the top-left)."""
        row, column = divmod(position % self.per_page, self.columns)
        x = self.left_margin + column * self.horizontal_pitch
        y = self.page_height - self.top_margin - row * self.vertical_pitch - self.label_height
        return x, y


def parse_format(name: str, data: dict) -> LabelFormat:
    source = f"labels/{name}.toml"

    def fail(field: str, problem: str) -> FormatError:
        return FormatError(f"{source}: {field}: {problem}")

    values: dict = {"name": name}
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise fail("title", "a non-empty text is required")
    values["default_title"] = title
    translated = []
    for key, text in sorted(data.items()):
        if key.startswith("title_"):
            if not isinstance(text, str) or not text.strip():
                raise fail(key, "a non-empty text is required")
            translated.append((key.removeprefix("title_"), text))
    values["translated_titles"] = tuple(translated)
    kind = data.get("kind", "sheet")
    if kind not in ("sheet", "roll"):
        raise fail("kind", "must be \"sheet\" or \"roll\"")
    values["kind"] = kind
    for field in NUMBER_FIELDS:
        value = data.get(field)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail(field, "a number of millimetres is required")
        if value < 0 or (field not in ("left_margin", "top_margin") and value <= 0):
            raise fail(field, "must be positive")
        values[field] = float(value)
    for field in COUNT_FIELDS:
        value = data.get(field)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise fail(field, "a whole number of at least 1 is required")
        values[field] = value
    fmt = LabelFormat(**values)
    right = fmt.left_margin + (fmt.columns - 1) * fmt.horizontal_pitch + fmt.label_width
    bottom = fmt.top_margin + (fmt.rows - 1) * fmt.vertical_pitch + fmt.label_height
    if right > fmt.page_width + 0.01:
        raise fail("columns", f"the labels end at {right:.1f} mm, past the page width")
    if bottom > fmt.page_height + 0.01:
        raise fail("rows", f"the labels end at {bottom:.1f} mm, past the page height")
    if fmt.horizontal_pitch < fmt.label_width - 0.01 and fmt.columns > 1:
        raise fail("horizontal_pitch", "labels would overlap")
    if fmt.vertical_pitch < fmt.label_height - 0.01 and fmt.rows > 1:
        raise fail("vertical_pitch", "labels would overlap")
    return fmt


def load_format_file(path: Path) -> LabelFormat:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise FormatError(f"labels/{path.name}: not valid TOML ({error})") from None
    return parse_format(path.stem, data)


@cache
def all_formats(directory: Path = FORMATS_DIR) -> dict[str, LabelFormat]:
    """Every format file, by name (the file name without .toml). A broken file stops the
    service at start-up with its name and field, rather than failing at print time."""
    return {p.stem: load_format_file(p) for p in sorted(directory.glob("*.toml"))}


def get_format(name: str) -> LabelFormat:
    formats = all_formats()
    if name not in formats:
        raise KeyError(_("Unknown label format: %(name)s.") % {"name": name})
    return formats[name]
