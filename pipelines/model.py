"""Typed results of extraction: what `xxgk extract` prints and the archive stores."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
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


@dataclass
class Cell:
    """One statistics-table cell, labelled by its full row and column paths."""

    table: str
    row: list[str]
    column: list[str]
    unit: Optional[str]
    value: Optional[Number]
    raw: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Check:
    """A failed arithmetic consistency check (勾稽关系)."""

    check: str
    expected: Optional[Number]
    found: Optional[Number]
    where: dict[str, Any] = field(default_factory=dict)
    kind: str = "mismatch"  # or "missing" when a total is blank

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


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
        data = asdict(self)
        return data
