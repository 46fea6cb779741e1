"""A report's archive rows, made from its extraction without the database.

Pure (no SQLite), so `xxgk crawl`'s extraction process makes them next to the extraction and
sends them to the archive writer (crawler/writer.py): an `Extraction` with its ~200 `Cell`
objects took the writer 1 ms per report just to unpickle, plus its conversion and hash
(issue #11). A `PreparedReport` is a few strings and one list of flat tuples.

What depends on the archive (the report's id, version, first and last seen, label ids) is
added by `Archive` when it writes (storage/archive.py).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional, Union

import orjson

from pipelines.model import INDICATOR_KEYS, Cell, Check, Extraction
from storage.content import NOT_CONTENT, has_odd_float, hash_content
from storage.versions import pack

_ENCODER = json.JSONEncoder(ensure_ascii=False)
PATHS_MAX = 100_000  # distinct label paths kept as JSON text (a portal of ever-new labels starts again)
_PATHS: dict[tuple, str] = {}


def dumps(value: Any) -> str:
    return _ENCODER.encode(value)


def rebuildable(data: dict[str, Any]) -> bool:
    """Does the report_versions view rebuild this extraction from its reports, cells and checks
    rows with the same content (hash)? Not when an empty index_no_parts is stored as empty, or a
    cell has no table name: such a current version's JSON is kept as well."""
    return data.get("index_no_parts") != {} and all(c.get("table") is not None for c in data.get("cells") or [])


@dataclass
class PreparedReport:
    """The rows of one report (storage/schema.py) but what the archive adds; also what the
    crawl's pipeline reads of an extraction (is_report, title, errors, cells), so it can stand
    in for the Extraction it was made from (`extraction()` gives that back).

    cells: (label, unit, value, raw, duplicate) in reading order, label = (table, row path JSON,
    column path JSON, row label, column label); checks: CHECK_COLUMNS without report_id."""

    digest: str
    report: dict[str, Any]
    cells: list[tuple]
    checks: list[tuple]
    version_zlib: Optional[tuple[bytes, int]]  # the version's JSON, when the rows do not rebuild it
    data_json: bytes  # to_json() as JSON: read only for a changed report's change rows
    is_report: bool
    title: Optional[str]
    errors: list[str]

    def data(self) -> dict[str, Any]:
        return json.loads(self.data_json)

    def extraction(self) -> Extraction:
        return extraction_from_json(self.data())


def extraction_from_json(data: dict[str, Any]) -> Extraction:
    """The Extraction whose to_json() is `data`."""
    data = dict(data)
    data["cells"] = [Cell(**c) for c in data.get("cells") or []]
    data["checks"] = [Check(**c) for c in data.get("checks") or []]
    return Extraction(**data)


def prepare(extraction: Union[Extraction, PreparedReport]) -> PreparedReport:
    """The report's rows; converted by to_json once (the hash, rows and version JSON read it)."""
    if isinstance(extraction, PreparedReport):
        return extraction
    return prepare_data(extraction.to_json())


def prepare_data(data: dict[str, Any]) -> PreparedReport:
    paths = _PATHS
    if len(paths) > PATHS_MAX:
        paths.clear()
    cells: list[tuple] = []
    seen_keys: set[tuple[str, str, str]] = set()
    duplicates = 0
    for cell in data["cells"]:
        row_path, column_path = cell["row"] or [], cell["column"] or []
        row_key, column_key = tuple(row_path), tuple(column_path)
        row_json = paths.get(row_key) or paths.setdefault(row_key, dumps(list(row_path)))
        column_json = paths.get(column_key) or paths.setdefault(column_key, dumps(list(column_path)))
        key = (cell["table"] or "", row_json, column_json)
        label = (*key, row_path[-1] if row_path else None, column_path[-1] if column_path else None)
        # A repeated label path: kept (marked) for the version's data, not in the cells view.
        duplicate = 1 if key in seen_keys else None
        duplicates += duplicate or 0
        seen_keys.add(key)
        cells.append((label, cell["unit"], cell["value"], cell["raw"], duplicate))
    checks = [(check["check"], check["expected"], check["found"], check["kind"],
               dumps({"where": check["where"] or {}, "kind": check["kind"]}), seq)
              for seq, check in enumerate(data["checks"])]
    indicators = data["indicators"] or {}
    digest, odd = hash_content(data)
    report = {
        "title": data["title"], "index_no": data["index_no"], "agency": data["agency"],
        "publisher": data["publisher"], "written_date": data["written_date"],
        "published_date": data["published_date"], "signed_date": data["signed_date"],
        "report_year": data["report_year"], "template": data["template"], "body_text": data["body_text"],
        "content_sha256": digest,
        **{key: indicators.get(key) for key in INDICATOR_KEYS},
        "is_report": int(bool(data["is_report"])), "cells_count": len(cells) - duplicates,
        "checks_count": len(checks), "confidence": data["confidence"], "duplicate_cells": duplicates,
        "index_no_parts_json": dumps(data["index_no_parts"]) if data["index_no_parts"] else None,
        "indicators_json": dumps(indicators),
        "metadata_json": dumps(data["metadata"] or {}),
        "errors_json": dumps(list(data["errors"] or [])),
    }
    if odd or has_odd_float([data.get(key) for key in NOT_CONTENT]):  # NaN: orjson would write null
        data_json = dumps(data).encode("utf-8")
    else:
        try:
            data_json = orjson.dumps(data)
        except TypeError:  # what orjson refuses (orjson.JSONEncodeError)
            data_json = dumps(data).encode("utf-8")
    return PreparedReport(
        digest=digest, report=report, cells=cells, checks=checks,
        version_zlib=None if rebuildable(data) else pack(dumps(data)), data_json=data_json,
        is_report=bool(data["is_report"]), title=data["title"], errors=list(data["errors"] or []))
