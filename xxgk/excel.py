"""CSV files a Chinese Excel opens as they are: UTF-8 with a BOM, Chinese + English headers,
blanks written as 未填报 (never 0, never an empty cell a reader takes for 0), a file name that
says what the file holds, sent as a download.

Excel picks the encoding of a CSV it opens by double-click from a BOM; without one a Chinese
Windows reads GBK and shows mojibake. Pure functions: the datasette plugin sends the bytes.
"""
from __future__ import annotations

import csv
import io
import re
import urllib.parse
from typing import Any, Iterable, Optional, Sequence

from xxgk.labels import NOT_REPORTED, column_label

BOM = "\ufeff"
CONTENT_TYPE = "text/csv; charset=utf-8"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
NAME_MAX = 120  # characters of a file name, before ".csv"


def csv_text(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The whole file as text, BOM first, CRLF line ends (what Excel writes)."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def figure(value: Any) -> Any:
    """A figure for the CSV: the number itself, or 未填报 for a blank."""
    if value is None or value == "":
        return NOT_REPORTED
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def headers_for(columns: Sequence[str], table: Optional[str] = None) -> list[str]:
    """'报告年度 report_year' for each column: Chinese for the reader, the name for a program."""
    return [column_label(c, table) for c in columns]


def file_name(*parts: Any) -> str:
    """'江澜市财政局-indicators.csv': the non-empty parts joined by '-', characters a file
    system refuses replaced, cut to NAME_MAX."""
    words = [_UNSAFE.sub("_", str(p)).strip(" ._") for p in parts if p not in (None, "")]
    stem = "-".join(w for w in words if w)[:NAME_MAX] or "xxgk"
    return f"{stem}.csv"


def content_disposition(name: str) -> str:
    """attachment, with an ASCII fallback name and the real one in RFC 5987 form (UTF-8)."""
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "_")
    return (f'attachment; filename="{ascii_name}"; '
            f"filename*=UTF-8''{urllib.parse.quote(name, safe='')}")


def csv_headers(name: str) -> dict[str, str]:
    # lower case, as datasette sends its own headers
    return {"content-disposition": content_disposition(name), "x-content-type-options": "nosniff",
            "cache-control": "no-store"}
