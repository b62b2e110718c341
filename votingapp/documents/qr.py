"""QR codes for ballot tokens: the voter URL, an inline SVG for the kiosk screen, and the
module matrix the PDF cards draw as vector squares.

The token travels in the URL fragment (after `#`), which browsers never send to the
server, so it cannot land in any access log.
"""

from __future__ import annotations

from html import escape

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from ..crypto.tokens import format_token

#: white modules around the code, as the QR standard asks for reliable scanning
QUIET_ZONE = 4


def voter_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/v#{format_token(token)}"


def qr_matrix(text: str) -> list[list[bool]]:
    """Dark (True) and light modules, without the quiet zone; error correction M (15%)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def dark_runs(matrix: list[list[bool]]):
    """(row, first column, length) of each horizontal run of dark modules: fewer shapes to draw."""
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                yield y, start, x - start
            else:
                x += 1


def qr_svg(text: str, *, label: str = "QR") -> str:
    """An inline SVG (no XML prolog) that scales to its container; crisp at any size."""
    matrix = qr_matrix(text)
    size = len(matrix) + 2 * QUIET_ZONE
    path = "".join(f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h{n}v1h-{n}z" for y, x, n in dark_runs(matrix))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
            f'shape-rendering="crispEdges" role="img" aria-label="{escape(label)}">'
            f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>')
