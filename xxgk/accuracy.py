"""Field- and cell-level accuracy of extraction over a labelled corpus.

A corpus is a folder of pages (.html/.htm/.txt and attachments) each next to its
expected JSON (`NAME.expected.json`, the `xxgk extract` object) — tests/golden/ is one —
and/or of case folders in the external format (`CASE/expected.json` beside one input
file, see accuracy_cases.py), so one command scores both.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from pipelines.model import INDICATOR_KEYS

FIELDS = ("is_report", "title", "index_no", "index_no_parts", "agency", "publisher", "written_date",
          "published_date", "signed_date", "report_year", "template")
EXPECTED_SUFFIX = ".expected.json"


@dataclass
class Score:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += ok
        self.total += 1

    @property
    def ratio(self) -> float:
        return self.right / self.total if self.total else 1.0


@dataclass
class Report:
    files: int = 0
    fields: dict[str, Score] = field(default_factory=dict)
    cells_expected: int = 0
    cells_found: int = 0
    cells_right: int = 0       # expected cells found with the same value and raw text
    sample_cells: int = 0      # cells labelled by hand in external cases (a sample, by label fragments)
    sample_cells_right: int = 0
    misses: list[str] = field(default_factory=list)

    def add_field(self, key: str, ok: bool) -> None:
        self.fields.setdefault(key, Score()).add(ok)

    @property
    def accuracy(self) -> float:
        """Right fields and cells over all of them (golden and external cases together)."""
        right = sum(s.right for s in self.fields.values()) + self.cells_right + self.sample_cells_right
        total = sum(s.total for s in self.fields.values()) + self.cells_expected + self.sample_cells
        return right / total if total else 1.0

    @property
    def cell_recall(self) -> float:
        return self.cells_right / self.cells_expected if self.cells_expected else 1.0

    @property
    def cell_precision(self) -> float:
        return self.cells_right / self.cells_found if self.cells_found else 1.0

    @property
    def field_accuracy(self) -> float:
        right = sum(s.right for s in self.fields.values())
        total = sum(s.total for s in self.fields.values())
        return right / total if total else 1.0


def _cell_key(cell: dict[str, Any]) -> str:
    return json.dumps([cell.get("table"), cell.get("row"), cell.get("column")], ensure_ascii=False)


def compare(report: Report, name: str, expected: dict[str, Any], got: dict[str, Any]) -> None:
    report.files += 1
    for key in FIELDS:
        ok = expected.get(key) == got.get(key)
        report.fields.setdefault(key, Score()).add(ok)
        if not ok:
            report.misses.append(f"{name}: {key}: expected {expected.get(key)!r}, got {got.get(key)!r}")
    exp_ind, got_ind = expected.get("indicators") or {}, got.get("indicators") or {}
    for key in INDICATOR_KEYS:
        if key in exp_ind:
            ok = exp_ind.get(key) == got_ind.get(key)
            report.fields.setdefault(f"indicators.{key}", Score()).add(ok)
            if not ok:
                report.misses.append(f"{name}: indicators.{key}: expected {exp_ind.get(key)!r}, got {got_ind.get(key)!r}")
    exp_cells = {_cell_key(c): c for c in expected.get("cells") or []}
    got_cells = {_cell_key(c): c for c in got.get("cells") or []}
    report.cells_expected += len(exp_cells)
    report.cells_found += len(got_cells)
    for key, cell in exp_cells.items():
        other = got_cells.get(key)
        if other is not None and other.get("value") == cell.get("value") and other.get("raw") == cell.get("raw"):
            report.cells_right += 1
        elif len(report.misses) < 1000:
            report.misses.append(f"{name}: cell {key}: expected {cell.get('raw')!r}, got "
                                 f"{None if other is None else other.get('raw')!r}")


def corpus_pairs(folder: Path) -> list[tuple[Path, Path]]:
    pairs = []
    for expected in sorted(folder.rglob("*" + EXPECTED_SUFFIX)):
        page = expected.with_name(expected.name[: -len(EXPECTED_SUFFIX)])
        if page.exists():
            pairs.append((page, expected))
    return pairs


def measure(folder: Path, extract: Callable[[str], dict[str, Any]], report: Optional[Report] = None) -> Report:
    from .accuracy_cases import case_dirs, compare_case, load

    report = report or Report()
    for page, expected_path in corpus_pairs(folder):
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        compare(report, page.name, expected, extract(str(page)))
    for page, expected_path in case_dirs(folder):
        compare_case(report, page.parent.name, load(expected_path), extract(str(page)))
    return report


def format_report(report: Report, misses: Optional[int] = 20) -> str:
    lines = [f"files: {report.files}",
             f"fields: {report.field_accuracy:.2%} right "
             f"({sum(s.right for s in report.fields.values())}/{sum(s.total for s in report.fields.values())})"]
    for key, score in sorted(report.fields.items()):
        if score.right != score.total:
            lines.append(f"  {key}: {score.right}/{score.total}")
    lines.append(f"cells: recall {report.cell_recall:.2%} ({report.cells_right}/{report.cells_expected}), "
                 f"precision {report.cell_precision:.2%} ({report.cells_right}/{report.cells_found})")
    if report.sample_cells:
        lines.append(f"labelled cells (external cases): {report.sample_cells_right}/{report.sample_cells} right")
    lines.append(f"accuracy (fields and cells): {report.accuracy:.3f}")
    for miss in report.misses[: misses or 0]:
        lines.append("  miss: " + miss)
    return "\n".join(lines)
