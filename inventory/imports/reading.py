"""Reading an uploaded table (CSV or XLSX) row by row. Pure: files in, strings out; no DB, no HTTP.

French offices produce CSV files in UTF-8 (with or without BOM) or Windows-1252, separated
by semicolons (Excel in French) or commas, and XLSX workbooks. Rows are streamed, so a
50,000-row file never sits in memory at once.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from inventory.i18n import _

MAX_FILE_BYTES = 20 * 1024 * 1024  # larger files are refused before anything is read
MAX_COLUMNS = 200
_CHUNK = 1 << 16
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls (Excel 97-2003)
# Control characters a text table never holds (a sign of a binary file or a wrong encoding).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
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


def detect_delimiter(header_line: str) -> str:
    """The separator of a CSV file from its header line: the most frequent of ; , and tab
    outside quotes (French Excel writes ;)."""
    counts = {";": 0, ",": 0, "\t": 0}
    quoted = False
    for ch in header_line:
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
    return str(value).strip()


def inspect(path: Path, limit: int = MAX_FILE_BYTES) -> TableInfo:
    """Check the file and read its header; FileProblem when it cannot be imported."""
    check_size(path.stat().st_size, limit)
    with path.open("rb") as f:
        magic = f.read(4)
    if magic == _OLE_MAGIC:
        raise FileProblem(_("Old Excel files (.xls) cannot be read: save the file as an Excel "
                            "workbook (.xlsx) or as CSV."))
    if magic == _XLSX_MAGIC:
        for header in _xlsx_rows(path):
            return TableInfo(kind="xlsx", header=_clean_header(list(header)))
        raise FileProblem(_("The file is empty."))
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as text:
        first = text.readline()
        while first and not first.strip():
            first = text.readline()
    if not first.strip():
        raise FileProblem(_("The file is empty."))
    delimiter = detect_delimiter(first)
    header = next(csv.reader(io.StringIO(first), delimiter=delimiter), [])
    return TableInfo(kind="csv", header=_clean_header(header), encoding=encoding,
                     delimiter=delimiter)


def _xlsx_rows(path: Path) -> Iterator[tuple]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # a broken zip or not a workbook: openpyxl raises many kinds
        raise FileProblem(_("This Excel file could not be opened; save it again as an Excel "
                            "workbook (.xlsx) or as CSV.")) from None
    try:
        sheet = workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def rows(path: Path, info: TableInfo) -> Iterator[tuple[int, list[str], bool]]:
    """(row number as a spreadsheet shows it, cells as text, whether cells go beyond the
    header) for every data row; the header is row 1. Blank rows are skipped."""
    width = len(info.header)
    if info.kind == "xlsx":
        source: Iterator = (list(r) for r in _xlsx_rows(path))
    else:
        source = _csv_rows(path, info)
    started = False
    number = 0
    for cells in source:
        number += 1
        if not started:  # the header (CSV: blank lines before it were skipped)
            if any(cell_text(c) for c in cells):
                started = True
            continue
        if info.kind == "csv":
            texts = [c.strip() for c in cells[:width]]
            extra = [c.strip() for c in cells[width:]]
        else:
            texts = [cell_text(c) for c in cells[:width]]
            extra = [cell_text(c) for c in cells[width:]]
        if not any(texts) and not any(extra):
            continue
        texts += [""] * (width - len(texts))
        yield number, texts, any(extra)


def _csv_rows(path: Path, info: TableInfo) -> Iterator[list[str]]:
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding=info.encoding, newline="") as text:
        try:
            yield from csv.reader(text, delimiter=info.delimiter)
        except csv.Error as error:
            raise FileProblem(_("The CSV file is malformed: %(error)s") % {"error": error}) from None
