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


@lru_cache(maxsize=4096)
def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=0, mask_pattern=FIXED_MASK)
    code.add_data(data)
    code.make(fit=True)
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
