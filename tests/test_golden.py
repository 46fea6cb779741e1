"""Golden files: each frozen page in tests/golden/ next to its expected JSON.

A missing expected file is written and the test fails until it is reviewed and
committed. Regenerate all of them with `make regen-golden` (XXGK_REGEN_GOLDEN=1)
and read the diff by eye before committing.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipelines.report import extract_path

GOLDEN = Path(__file__).parent / "golden"
INPUT_SUFFIXES = (".html", ".htm", ".txt", ".pdf")
CASES = sorted(p for p in GOLDEN.iterdir() if p.suffix in INPUT_SUFFIXES)


def expected_path(case: Path) -> Path:
    return case.with_name(case.name + ".expected.json")


def actual(case: Path) -> dict:
    data = extract_path(str(case), url=f"golden/{case.name}").to_json()
    data.pop("body_text")  # prose is checked by its own tests; keep the files reviewable
    return data


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case: Path) -> None:
    got = actual(case)
    target = expected_path(case)
    text = json.dumps(got, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if os.environ.get("XXGK_REGEN_GOLDEN") or not target.exists():
        existed = target.exists()
        target.write_text(text, encoding="utf-8")
        if not os.environ.get("XXGK_REGEN_GOLDEN"):
            pytest.fail(f"wrote {target.name}: review it by eye and commit it" if not existed else "")
        return
    assert got == json.loads(target.read_text(encoding="utf-8"))


def test_every_case_has_expected_json() -> None:
    missing = [c.name for c in CASES if not expected_path(c).exists()]
    assert CASES and not missing
