"""Reading an uploaded table (CSV or XLSX) row by row. Pure: files in, strings out; no DB, no HTTP.

French offices produce CSV files in UTF-8 (with or without BOM) or Windows-1252, separated
by semicolons (Excel in French) or commas, and XLSX workbooks. Rows are streamed, so a
50,000-row file never sits in memory at once.

Real files rarely start with their header: a title, a date, merged cells and blank rows come
first, and a totals row closes the table. The header row is found (find_header) or given
(`header_row`), and summary rows are skipped with a reason (summary_reason).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from inventory.core import parsers as validation
from inventory.core.i18n import _

MAX_FILE_BYTES = 20 * 1024 * 1024  # larger files are refused before anything is read
# The command line (an administrator on the server) takes a région's whole fleet at once:
# 500,000 rows are ~75 MB of CSV.
COMMAND_LINE_MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_COLUMNS = 200
# openpyxl keeps a workbook's shared strings in memory (the sheet itself is streamed): a small
# zip can hold an enormous sharedStrings.xml, so the uncompressed sizes are checked first.
MAX_SHARED_STRINGS_BYTES = 48 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
HEADER_SCAN_ROWS = 30  # the header is looked for among the first rows
_FORMAT_SCAN_ROWS = 30  # and the number formats of columns in the rows after
_CHUNK = 1 << 16
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls (Excel 97-2003)
# Control characters a text table never holds (a sign of a binary file or a wrong encoding).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_C1_CONTROL = re.compile("[\x80-\x9f]")
_VALUE = re.compile(r"^[-+]?[\d\s\u00a0\u202f.,]*\d[\d\s\u00a0\u202f.,]*\s*(€|eur|%)?$|"
                    r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}(?:[ T][\d:.]+)?$", re.IGNORECASE)
_TOTAL_WORDS = ("total", "totaux", "sous total", "sous totaux", "total general", "grand total",
                "subtotal", "sub total", "somme", "sum", "montant total")
csv.field_size_limit(1 << 20)


class FileProblem(Exception):
    """The file as a whole cannot be imported; `message` says why, in the reader's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class TableInfo:
    kind: str  # "csv" or "xlsx"
    header: list[str]
    encoding: str = ""  # csv: "utf-8-sig" or "cp1252"
    delimiter: str = ""  # csv: ";", "," or tab
    header_row: int = 1  # the header's row number as a spreadsheet shows it
    found: bool = True  # the header row was found (not given)
    formats: tuple[str, ...] = ()  # xlsx: each column's number format in the first data rows
    width: int = 0  # cells read per row (the header's columns, blank trailing ones dropped)
    titles: tuple[str, ...] = field(default=(), compare=False)  # text above the header


class Cells(list):
    """A row's cells as text; `numbers` holds the positions of cells that were numbers in the
    workbook (not text), whose decimals are exact values rather than typed text."""

    numbers: frozenset[int] = frozenset()


def check_size(size: int, limit: int = MAX_FILE_BYTES) -> None:
    if size == 0:
        raise FileProblem(_("The file is empty."))
    if size > limit:
        raise FileProblem(_("The file is larger than %(size)d MB; split it into several files.")
                          % {"size": limit // (1024 * 1024)})


def detect_encoding(path: Path) -> str:
    """UTF-8 (a BOM is dropped) when the whole file decodes as UTF-8, else Windows-1252 when
    that reads as text; otherwise FileProblem. Reads the file in chunks."""
    utf8 = codecs.getincrementaldecoder("utf-8-sig")()
    cp1252 = codecs.getincrementaldecoder("cp1252")()
    utf8_ok = cp1252_ok = True
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            if b"\x00" in chunk:
                raise FileProblem(_("This file is not text that can be read (UTF-16 or a binary "
                                    "file?). Save it as CSV UTF-8 or as an Excel workbook."))
            if utf8_ok:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    utf8_ok = False
            if not utf8_ok and cp1252_ok:
                try:
                    text = cp1252.decode(chunk)
                    if _CONTROL.search(text):
                        cp1252_ok = False
                except UnicodeDecodeError:
                    cp1252_ok = False
            if not utf8_ok and not cp1252_ok:
                break
    if utf8_ok:
        try:
            utf8.decode(b"", final=True)
            return "utf-8-sig"
        except UnicodeDecodeError:
            pass
    if cp1252_ok:
        return "cp1252"
    raise FileProblem(_("The file's encoding could not be recognised: save it as CSV UTF-8 or "
                        "CSV (Windows), or as an Excel workbook."))


def detect_delimiter(text: str) -> str:
    """The separator of a CSV file from its first lines: the most frequent of ; , and tab
    outside quotes (French Excel writes ;)."""
    counts = {";": 0, ",": 0, "\t": 0}
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda k: (counts[k], k == ";"))
    return best if counts[best] else ";"


def _clean_header(cells: list) -> list[str]:
    header = [cell_text(c) for c in cells]
    while header and not header[-1]:
        header.pop()
    if not header or not any(header):
        raise FileProblem(_("The file has no header line: its first line must name the columns."))
    if len(header) > MAX_COLUMNS:
        raise FileProblem(_("The file has more than %(n)d columns.") % {"n": MAX_COLUMNS})
    seen: set[str] = set()
    for name in header:
        if name and name.casefold() in seen:
            raise FileProblem(_("Two columns are named “%(name)s”; give each column its own "
                                "name.") % {"name": name})
        seen.add(name.casefold())
    return header


def clean_cell(text: str) -> str:
    """Text from a file without its control characters (a vertical tab pasted from another
    tool would break every export later; it is a line break, as typing would give), without
    surrounding spaces. The C1 controls of a badly decoded file go too."""
    if text.isprintable():  # nearly every cell: nothing to remove
        return text.strip()
    return _C1_CONTROL.sub("", validation.clean_text(text, multiline=True)).strip()


def cell_text(value) -> str:
    """One cell as text: XLSX numbers and dates become what a person would type."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return clean_cell(str(value))


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def looks_like_value(text: str) -> bool:
    """A number, an amount or a date: what a data cell holds, never a column's name."""
    return bool(_VALUE.match(text.strip()))


def find_header(sample: list[list[str]], known: Callable[[str], bool] = lambda _t: False
                ) -> int | None:
    """The index in `sample` (the first rows, as text) of the header row: the row naming the
    most known columns, then holding the most names (text that is not a number or a date).
    A title above the table (one cell, often merged) loses to any row of two names or more;
    None when no row can be a header."""
    best, best_score = None, 0.0
    for index, cells in enumerate(sample):
        filled = [c for c in cells if c]
        names = [c for c in filled if not looks_like_value(c)]
        if not names or len(names) * 2 < len(filled):  # mostly numbers: a data row
            continue
        score = 10.0 * sum(1 for c in names if known(c)) + len(names)
        if len(filled) < 2:
            score = 0.5
        if score > best_score:
            best, best_score = index, score
    return best


def summary_reason(cells: list[str], width: int) -> str | None:
    """Why a row is a summary and not a device ("TOTAL", "Sous-total", a row holding only a
    sum), or None."""
    filled = [c for c in cells if c]
    if not filled:
        return None
    first = _fold(filled[0])
    for word in _TOTAL_WORDS:  # "Total général", "Sous-total école", not "TOTAL-001" (a tag)
        rest = first[len(word) + 1:]
        if first == word or (first.startswith(word + " ") and not rest[:1].isdigit()):
            return _("a totals row (“%(text)s”)") % {"text": filled[0]}
    if width >= 3 and len(filled) <= 2 and all(looks_like_value(c) for c in filled):
        return _("a row holding only a sum (“%(text)s”)") % {"text": " ".join(filled)}
    return None


def check_workbook(path: Path) -> None:
    """Refuse a workbook whose parts would not fit in memory once uncompressed (a zip bomb,
    or shared strings far larger than the file)."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise FileProblem(_("This Excel file could not be opened; save it again as an Excel "
                            "workbook (.xlsx) or as CSV.")) from None
    total = sum(e.file_size for e in entries)
    strings = sum(e.file_size for e in entries if e.filename.lower().endswith("sharedstrings.xml"))
    if strings > MAX_SHARED_STRINGS_BYTES or total > MAX_UNCOMPRESSED_BYTES:
        raise FileProblem(_("This workbook holds %(size)d MB of data once uncompressed, too much "
                            "to read; save it as CSV, or split it into several files.")
                          % {"size": max(total, strings) // (1024 * 1024)})


def inspect(path: Path, limit: int = MAX_FILE_BYTES, header_row: int | None = None,
            known: Callable[[str], bool] | None = None) -> TableInfo:
    """Check the file and find its header (or take row `header_row`); FileProblem when it
    cannot be imported. `known` tells whether a text is a column name the import knows."""
    check_size(path.stat().st_size, limit)
    with path.open("rb") as f:
        magic = f.read(4)
    if magic == _OLE_MAGIC:
        raise FileProblem(_("Old Excel files (.xls) cannot be read: save the file as an Excel "
                            "workbook (.xlsx) or as CSV."))
    if known is None:
        from inventory.imports.columns import is_known_column

        known = is_known_column
    if magic == _XLSX_MAGIC:
        check_workbook(path)
        kind, encoding, delimiter = "xlsx", "", ""
        # Cells, not values: their number formats are read in the same pass.
        source: Iterator[list] = (list(r) for r in _xlsx_rows(path, values_only=False))
    else:
        kind, encoding = "csv", detect_encoding(path)
        with path.open(encoding=encoding, newline="") as text:
            head = "".join(line for _i, line in zip(range(HEADER_SCAN_ROWS), text, strict=False))
        if not head.strip():
            raise FileProblem(_("The file is empty."))
        delimiter = detect_delimiter(head)
        source = _csv_rows(path, encoding, delimiter)
    wanted = header_row if header_row and header_row > 0 else None
    scan = max(HEADER_SCAN_ROWS, wanted or 0)
    sample: list[list[str]] = []
    raw: list[list] = []
    for cells in source:
        if kind == "xlsx":
            raw.append(cells)
            cells = [getattr(c, "value", None) for c in cells]
        sample.append([cell_text(c) for c in cells])
        if len(sample) >= scan + _FORMAT_SCAN_ROWS:
            break
    if hasattr(source, "close"):
        source.close()
    sample = sample[:scan]
    if not any(any(cells) for cells in sample):
        raise FileProblem(_("The file is empty."))
    if wanted is not None:
        if wanted > len(sample) or not any(sample[wanted - 1]):
            raise FileProblem(_("Row %(row)d is not a header: it is empty or beyond the file's "
                                "first rows.") % {"row": wanted})
        index = wanted - 1
    else:
        found = find_header(sample, known)
        if found is None:
            raise FileProblem(_("The file has no header line: its first line must name the "
                                "columns."))
        index = found
    header = _clean_header(sample[index])
    titles = tuple(c for cells in sample[:index] for c in cells if c)
    formats = _formats(raw[index + 1:], len(header)) if kind == "xlsx" else ()
    return TableInfo(kind=kind, header=header, encoding=encoding, delimiter=delimiter,
                     header_row=index + 1, found=wanted is None, formats=formats,
                     width=len(header), titles=titles)


def _open_workbook(path: Path):
    from openpyxl import load_workbook

    # A file object, not the path: openpyxl refuses names not ending in .xlsx (uploads are
    # stored under neutral names).
    handle = path.open("rb")
    try:
        return handle, load_workbook(handle, read_only=True, data_only=True)
    except Exception:  # a broken zip or not a workbook: openpyxl raises many kinds
        handle.close()
        raise FileProblem(_("This Excel file could not be opened; save it again as an Excel "
                            "workbook (.xlsx) or as CSV.")) from None


def _xlsx_rows(path: Path, values_only: bool = True) -> Iterator[tuple]:
    handle, workbook = _open_workbook(path)
    try:
        sheet = workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=values_only)
    finally:
        workbook.close()
        handle.close()


def _formats(rows_below: list[list], width: int) -> tuple[str, ...]:
    """Each column's first number format other than General among the first data rows (a
    warranty shown as `0 "ans"` is a number of years)."""
    formats = [""] * width
    for cells in rows_below:
        for i, cell in enumerate(cells[:width]):
            fmt = getattr(cell, "number_format", None)
            if not formats[i] and fmt and fmt != "General" and cell.value is not None:
                formats[i] = str(fmt)
    return tuple(formats)


def rows(path: Path, info: TableInfo, skipped: list[tuple[int, str]] | None = None
         ) -> Iterator[tuple[int, Cells, bool]]:
    """(row number as a spreadsheet shows it, cells as text, whether cells go beyond the
    header) for every data row below the header. Blank rows are skipped; summary rows
    (totals) too, each added to `skipped` as (row number, reason)."""
    width = info.width or len(info.header)
    if info.kind == "xlsx":
        source: Iterator = _xlsx_rows(path)
    else:
        source = _csv_rows(path, info.encoding, info.delimiter)
    number = 0
    for cells in source:
        number += 1
        if number <= info.header_row:
            continue
        texts = Cells(cell_text(c) for c in cells[:width])
        extra = [cell_text(c) for c in cells[width:]]
        if not any(texts) and not any(extra):
            continue
        if info.kind == "xlsx":
            texts.numbers = frozenset(i for i, c in enumerate(cells[:width])
                                      if isinstance(c, float) and not isinstance(c, bool))
        texts += [""] * (width - len(texts))
        reason = summary_reason(texts, width) if not any(extra) else None
        if reason:
            if skipped is not None:
                skipped.append((number, reason))
            continue
        yield number, texts, any(extra)


def _csv_rows(path: Path, encoding: str, delimiter: str) -> Iterator[list[str]]:
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding=encoding, newline="") as text:
        try:
            yield from csv.reader(text, delimiter=delimiter)
        except csv.Error as error:
            raise FileProblem(_("The CSV file is malformed: %(error)s") % {"error": error}) from None
