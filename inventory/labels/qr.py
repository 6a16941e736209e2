"""QR matrices for label URLs. Pure.

Error correction Q (recovers about 25 percent of the symbol) survives a scratched or
partly peeled label; the version is the smallest that holds the URL. A fixed mask avoids
qrcode's trial of all eight masks (about 5 ms a code against under 1 ms); any mask is valid,
and the code never becomes a Micro QR (qrcode does not make those).
"""

from __future__ import annotations

from functools import lru_cache

import qrcode
from qrcode.constants import ERROR_CORRECT_Q

QUIET_ZONE = 4  # modules of white around the code, as the standard asks
FIXED_MASK = 2
# Bytes a byte-mode symbol holds at level Q, by version (ISO/IEC 18004, table 7).
BYTE_CAPACITY_Q = (11, 20, 32, 46, 60, 74, 86, 108, 130, 151, 177, 203, 241, 258, 292, 322,
                   364, 394, 442, 482)


def version_for(data: str) -> int:
    """The smallest version whose byte-mode capacity at level Q holds `data`."""
    size = len(data.encode("utf-8"))
    for version, capacity in enumerate(BYTE_CAPACITY_Q, start=1):
        if size <= capacity:
            return version
    raise ValueError("too long for a label's QR code")


@lru_cache(maxsize=4096)
def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    # One byte-mode segment, version chosen from the length: qrcode's own fitting encodes
    # the data twice and would try every mask.
    code = qrcode.QRCode(version=version_for(data), error_correction=ERROR_CORRECT_Q, border=0,
                         mask_pattern=FIXED_MASK)
    code.add_data(data, optimize=0)
    code.make(fit=False)
    return tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())


def dark_runs(matrix: tuple[tuple[bool, ...], ...]) -> list[tuple[int, int, int]]:
    """Horizontal runs of dark modules as (row, first column, length): drawn as rectangles
    of one single path, so no hairline seams appear between them when printed."""
    runs = []
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                runs.append((r, start, c - start))
            else:
                c += 1
    return runs
