"""Labelled cases in the external format: a folder per case, `expected.json` beside one
input file (the real-report sets, as `../shared/reference/real-reports`).

Their expected JSON lists what a person read off the page, not a whole extraction:

* ``fields``: header fields compared by value (numbers by value, text with white space and
  character width ignored); ``is_report``;
* ``indicators``: for each, the list of acceptable values (a blank 总计 may be read as null
  or as the sum of its parts);
* ``cells``: a sample of cells, each with label *fragments* of its row and column, in
  printed order (``{"row": ["其他处理", "其他"], "col": ["自然人"], "value": 0}``); a cell
  matches when every fragment occurs, in order, in the path's labels (outline numbering
  removed); ``row: null`` accepts any row (table 四);
* ``any_date`` (one of these dates anywhere in the dates or the header block) and
  ``expect_checks`` (whether consistency checks should fail), when present.
"""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any, Optional

CASE_FILE = "expected.json"
_WS = re.compile(r"\s+")
# Outline numbering in front of a label: 一、 （一） 1. (1) 其中：, possibly stacked.
_NUMBERING = re.compile(r"^(?:[（(]?[一二三四五六七八九十]+[)）、．.]|[（(]?\d+[)）、．.]|其中[:：])+")


def case_dirs(folder: Path) -> list[tuple[Path, Path]]:
    """(input file, expected.json) of every case folder under `folder`."""
    out = []
    for expected in sorted(folder.rglob(CASE_FILE)):
        inputs = sorted(p for p in expected.parent.iterdir() if p.is_file() and p.name != CASE_FILE)
        if len(inputs) == 1:
            out.append((inputs[0], expected))
    return out


def _norm(text: Any) -> str:
    return _WS.sub("", unicodedata.normalize("NFKC", str(text if text is not None else "")))


def _label(text: Any) -> str:
    return _NUMBERING.sub("", _norm(text))


def same(got: Any, want: Any) -> bool:
    if got is None or want is None:
        return got is None and want is None
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        try:
            return abs(float(got) - float(want)) < 1e-9
        except (TypeError, ValueError):
            return False
    return _norm(got) == _norm(want)


def path_matches(path: Optional[list[str]], fragments: Optional[list[str]]) -> bool:
    """Every fragment inside a label of the path, in order (each label used once)."""
    if not fragments:
        return True
    labels = [_label(p) for p in (path or [])]
    i = 0
    for fragment in fragments:
        want = _label(fragment)
        while i < len(labels) and want not in labels[i]:
            i += 1
        if i == len(labels):
            return False
        i += 1
    return True


def compare_case(report: Any, name: str, expected: dict[str, Any], got: dict[str, Any]) -> None:
    """Add one case's fields and cells to an `accuracy.Report`."""
    report.files += 1
    wanted = dict(expected.get("fields") or {})
    if "is_report" in expected:
        wanted["is_report"] = expected["is_report"]
    for key, want in wanted.items():
        _field(report, name, key, same(got.get(key), want), want, got.get(key))
    if "any_date" in expected:
        dates = {got.get("written_date"), got.get("published_date"), got.get("signed_date")}
        dates |= {str(v)[:10] for v in (got.get("metadata") or {}).values()}
        _field(report, name, "any_date", bool(set(expected["any_date"]) & dates), expected["any_date"], sorted(d for d in dates if d))
    if "expect_checks" in expected:
        _field(report, name, "checks", bool(got.get("checks")) == expected["expect_checks"],
               expected["expect_checks"], bool(got.get("checks")))
    for key, accepted in (expected.get("indicators") or {}).items():
        value = (got.get("indicators") or {}).get(key)
        _field(report, name, f"indicators.{key}", any(same(value, a) for a in accepted), accepted, value)
    cells = got.get("cells") or []
    for cell in expected.get("cells") or []:
        found = [c for c in cells if path_matches(c.get("row"), cell.get("row")) and path_matches(c.get("column"), cell.get("col"))]
        ok = any(same(c.get("value"), cell.get("value")) for c in found)
        report.sample_cells += 1
        report.sample_cells_right += ok
        if not ok and len(report.misses) < 1000:
            report.misses.append(f"{name}: cell {cell.get('row')} x {cell.get('col')}: expected {cell.get('value')!r}, "
                                 f"got {[c.get('value') for c in found][:3] or 'no such cell'}")


def _field(report: Any, name: str, key: str, ok: bool, want: Any, got: Any) -> None:
    report.add_field(key, ok)
    if not ok:
        report.misses.append(f"{name}: {key}: expected {want!r}, got {got!r}")


def load(expected: Path) -> dict[str, Any]:
    return json.loads(expected.read_text(encoding="utf-8"))
