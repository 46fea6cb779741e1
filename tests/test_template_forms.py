"""The template forms register themselves (pipelines/templates): detection and the indicators
read the registry, so a new form is one module."""
from __future__ import annotations

from pathlib import Path

from pipelines.readers.html import from_html
from pipelines.templates import FORMS, Form, detect_template
from pipelines.templates import base

GOLDEN = Path(__file__).parent / "golden"


def test_every_form_is_registered_once_with_its_mapping():
    assert set(FORMS) == {"pre2019", "2019", "2021"}
    for form in FORMS.values():
        assert form.name and form.indicators, form.id
        assert bool(form.signals) == form.national, form.id
    assert [f.id for f in base.national_forms()] == ["2019", "2021"]


def test_a_new_form_is_detected_by_its_own_signals(monkeypatch):
    """A form added to the registry takes part in detection without touching national.py."""
    doc = from_html((GOLDEN / "t2021_full_report.html").read_text("utf-8"))
    assert detect_template(doc.blocks, 2021) == "2021"
    forms = dict(FORMS)
    forms["2031"] = Form(id="2031", name="test form", first_year=2031, national=True,
                         signals=FORMS["2021"].signals,
                         structural=FORMS["2021"].structural + (("a sign only 2031 prints", lambda r: True),))
    monkeypatch.setattr(base, "FORMS", forms)
    assert detect_template(doc.blocks, 2021) == "2031"   # one signal more than 2021
    forms["2031"] = Form(id="2031", name="test form", first_year=2031, national=True,
                         signals=FORMS["2021"].signals, structural=FORMS["2021"].structural)
    assert detect_template(doc.blocks, 2021) == "2021"   # a tie: the form in use in 2021
    assert detect_template(doc.blocks, 2032) == "2031"
