"""`xxgk accuracy`: the golden corpus is held at 100%; a wrong label is reported."""
from __future__ import annotations

import json
import shutil

from conftest import GOLDEN, xxgk


def test_golden_corpus_is_fully_accurate():
    result = xxgk("accuracy", str(GOLDEN), timeout=120)
    assert result.returncode == 0, result.stderr
    assert "fields: 100.00% right" in result.stdout
    assert "cells: recall 100.00%" in result.stdout and "precision 100.00%" in result.stdout


def test_a_wrong_expectation_lowers_the_score(tmp_path):
    page = GOLDEN / "text_pipes_pre2019.txt"
    shutil.copy(page, tmp_path / page.name)
    expected = json.loads((GOLDEN / (page.name + ".expected.json")).read_text(encoding="utf-8"))
    expected["agency"] = "别的机关"
    expected["cells"][1]["raw"], expected["cells"][1]["value"] = "41", 41
    (tmp_path / (page.name + ".expected.json")).write_text(json.dumps(expected, ensure_ascii=False), encoding="utf-8")
    result = xxgk("accuracy", str(tmp_path), timeout=120)
    assert result.returncode == 0
    n = len(expected["cells"])
    assert f"recall {100 * (n - 1) / n:.2f}%" in result.stdout
    assert "agency: 0/1" in result.stdout and "别的机关" in result.stdout


def test_empty_folder_is_a_usage_error(tmp_path):
    result = xxgk("accuracy", str(tmp_path), timeout=60)
    assert result.returncode == 2 and "no labelled pages" in result.stderr
