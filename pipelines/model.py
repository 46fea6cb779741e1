"""Typed results of extraction: what `xxgk extract` prints and the archive stores."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Optional, Union

Number = Union[int, float]

# Keys every `indicators` object carries (../shared/contracts/extract.md plus issue #3).
INDICATOR_KEYS = (
    "proactive_disclosed",
    "applications_received",
    "applications_carried_over",
    "applications_completed",
    "carried_to_next_year",
    "reconsideration_total",
    "litigation_total",
    "fees_collected",
    "staff_count",
)


@dataclass(slots=True)
class Cell:
    """One statistics-table cell, labelled by its full row and column paths. Slotted: a
    report makes ~130 of them, built and read once each (issue #11)."""

    table: str
    row: list[str]
    column: list[str]
    unit: Optional[str]
    value: Optional[Number]
    raw: str

    def to_json(self) -> dict[str, Any]:
        # Written out, not dataclasses.asdict: a crawl converts ~100 cells per report, and
        # asdict's recursive deep copies were a large share of the crawl's time (issue #11).
        return {"table": self.table, "row": list(self.row), "column": list(self.column),
                "unit": self.unit, "value": self.value, "raw": self.raw}


@dataclass
class Check:
    """A failed arithmetic consistency check (勾稽关系)."""

    check: str
    expected: Optional[Number]
    found: Optional[Number]
    where: dict[str, Any] = field(default_factory=dict)
    kind: str = "mismatch"  # or "missing" when a total is blank

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "expected": self.expected, "found": self.found,
                "where": copy.deepcopy(self.where), "kind": self.kind}


@dataclass
class Extraction:
    """Everything pulled out of one saved report (the extract contract's object)."""

    source: str
    is_report: bool = False
    title: Optional[str] = None
    index_no: Optional[str] = None
    index_no_parts: Optional[dict[str, Any]] = None
    agency: Optional[str] = None
    publisher: Optional[str] = None
    written_date: Optional[str] = None
    published_date: Optional[str] = None
    signed_date: Optional[str] = None
    report_year: Optional[int] = None
    template: str = "unknown"
    metadata: dict[str, str] = field(default_factory=dict)
    cells: list[Cell] = field(default_factory=list)
    indicators: dict[str, Optional[Number]] = field(
        default_factory=lambda: {k: None for k in INDICATOR_KEYS}
    )
    checks: list[Check] = field(default_factory=list)
    confidence: Optional[float] = None  # 0..1, None for a page that is not a report (confidence.py)
    errors: list[str] = field(default_factory=list)
    body_text: str = ""

    def to_json(self) -> dict[str, Any]:
        """The extract contract's object: the fields in declaration order (as asdict gives
        them; tests/test_archive.py checks both agree), nested values copied."""
        return {
            "source": self.source, "is_report": self.is_report, "title": self.title,
            "index_no": self.index_no, "index_no_parts": copy.deepcopy(self.index_no_parts),
            "agency": self.agency, "publisher": self.publisher, "written_date": self.written_date,
            "published_date": self.published_date, "signed_date": self.signed_date,
            "report_year": self.report_year, "template": self.template,
            "metadata": dict(self.metadata), "cells": [c.to_json() for c in self.cells],
            "indicators": dict(self.indicators), "checks": [c.to_json() for c in self.checks],
            "confidence": self.confidence, "errors": list(self.errors), "body_text": self.body_text,
        }
