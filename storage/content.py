"""What makes a report's content: the hash that tells versions apart (storage/archive.py) and
that migration 4 verifies every version with (storage/footprint.py)."""
from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import orjson

from pipelines.model import Extraction

# Keys of an extraction that are not its content: where it was read from, and what is derived
# from the rest. Neither makes a new version (content_hash) nor a change row.
NOT_CONTENT = ("source", "confidence")


def _plain_numbers(value: Any) -> Any:
    """67.0 and 67 are the same figure; make them hash the same."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _plain_numbers(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_numbers(v) for v in value]
    return value


def _odd_float(value: float) -> bool:
    """A float orjson writes otherwise than json.dumps: NaN and infinities (null, not NaN) and
    those json.dumps writes with a negative exponent (1e-05, not 0.00001)."""
    return not math.isfinite(value) or (value != 0 and abs(value) < 1e-4)


def has_odd_float(value: Any) -> bool:
    if isinstance(value, float):
        return _odd_float(value)
    if isinstance(value, dict):
        return any(has_odd_float(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_odd_float(v) for v in value)
    return False


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_bytes(value: Any, odd_floats: bool = True) -> bytes:
    """canonical_json(value) in UTF-8, by orjson (3x faster on a report) when that gives the
    same bytes: no float it writes otherwise (`odd_floats` False: the caller checked) and
    nothing it refuses (keys that are not text, integers past 64 bits, lone surrogates)."""
    if not odd_floats or not has_odd_float(value):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # orjson.JSONEncodeError
            pass
    return canonical_json(value).encode("utf-8")


def content_hash(extraction: Extraction) -> str:
    """sha256 of the extracted content, not the raw page: a new banner is not a new version.

    Every field of the extraction (cells and checks included) except `source`, which only says
    where the page was read from; body text without white space, which in Chinese text is
    layout (a re-flowed page is not a new version).
    """
    return content_hash_of(extraction.to_json())


def without_white_space(text: str) -> str:
    """The body text as the hash reads it: white space dropped (as re.sub(r"\\s+", "", text)
    always did, 7x faster: str.split and re's \\s know the same white space, str.isspace)."""
    return "".join(text.split())


def content_hash_of(data: dict[str, Any]) -> str:
    """content_hash of an extraction already converted by to_json (the archive converts each
    report once). The canonical byte string is the one the archive has always hashed, so a
    re-crawl of an archive written by earlier code finds its reports unchanged."""
    return hash_content(data)[0]


def hash_content(data: dict[str, Any]) -> tuple[str, bool]:
    """(content_hash_of(data), whether its content holds a float orjson writes otherwise)."""
    content = {key: _plain_numbers(value) for key, value in data.items()
               if key not in NOT_CONTENT and key not in ("cells", "body_text")}
    odd = has_odd_float(content)
    # Cells are most of a report: only their value can be a number (67.0 hashes as 67).
    cells = []
    for cell in data.get("cells") or []:
        value = cell.get("value")
        if type(value) is float:
            if value.is_integer():
                cell = {**cell, "value": int(value)}
            else:
                odd = odd or _odd_float(value)
        cells.append(cell)
    content["cells"] = cells
    content["body_text"] = without_white_space(data.get("body_text") or "")
    return hashlib.sha256(canonical_bytes(content, odd_floats=odd)).hexdigest(), odd
