"""What the installed package carries: the application's own code, no test-only module."""
from __future__ import annotations

import ast
import re

from setuptools import find_packages

from conftest import REPO


def test_no_test_only_module_ships_in_the_package():
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r"\[tool\.setuptools\.packages\.find\]\s*include\s*=\s*(\[[^\]]*\])", pyproject)
    include = ast.literal_eval(found.group(1))
    packages = find_packages(where=str(REPO), include=include)
    assert {"pipelines", "storage", "crawler", "xxgk"} <= set(packages)
    assert not [p for p in packages if p.split(".")[0] == "tests" or "replicas" in p]
    facts = (REPO / "xxgk" / "portal" / "facts.py").read_text(encoding="utf-8")
    assert "def expected_indicators" not in facts      # the test oracle lives in tests/oracle.py
