"""What makes a report's content: the hash that tells versions apart (storage/archive.py) and
that migration 4 verifies every version with (storage/footprint.py)."""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any

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


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(extraction: Extraction) -> str:
    """sha256 of the extracted content, not the raw page: a new banner is not a new version.

    Every field of the extraction (cells and checks included) except `source`, which only says
    where the page was read from; body text without white space, which in Chinese text is
    layout (a re-flowed page is not a new version).
    """
    return content_hash_of(extraction.to_json())


_WHITE_SPACE = re.compile(r"\s+")


def content_hash_of(data: dict[str, Any]) -> str:
    """content_hash of an extraction already converted by to_json (the archive converts each
    report once). The canonical byte string is the one the archive has always hashed, so a
    re-crawl of an archive written by earlier code finds its reports unchanged."""
    content = {key: _plain_numbers(value) for key, value in data.items()
               if key not in NOT_CONTENT and key not in ("cells", "body_text")}
    # Cells are most of a report: only their value can be a number (67.0 hashes as 67).
    content["cells"] = [cell if type(cell.get("value")) is not float or not cell["value"].is_integer()
                        else {**cell, "value": int(cell["value"])} for cell in data.get("cells") or []]
    content["body_text"] = _WHITE_SPACE.sub("", data.get("body_text") or "")
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
