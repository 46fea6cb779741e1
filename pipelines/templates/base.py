"""A report form (the `template` of an extraction) and the registry the forms add themselves
to. A form module (pre2019.py, form2019.py, form2021.py) holds its labels, its detection
signals and its indicator mapping, and registers a `Form`; detection (national.decide) and
the indicators (pipelines/indicators.py) read the registry, so a new form is one new module
(imported in templates/__init__.py). Consistency checks follow the tables, not the forms
(2019 and 2021 share tables 三 and 四): pipelines/checks.py."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Mapping, Optional

# An indicator's source in a national form: (table, row label keys, column label keys);
# see pipelines/indicators.py. A pre-2019 form maps an indicator to row labels instead.
NationalSource = tuple[str, tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True)
class Form:
    id: str                    # the extraction's `template` value
    name: str                  # the official form, as the UI names it
    first_year: int            # first report year it is used for: breaks detection ties
    national: bool             # tables 二/三/四 (national.py) rather than a 统计表 (pre2019.py)
    # Detection (national forms): labels only this form prints (label_key form), extra regex
    # patterns, and structural signals as (name, test on a national.NationalResult).
    signals: tuple[str, ...] = ()
    signal_patterns: tuple[str, ...] = ()
    structural: tuple[tuple[str, Callable[[Any], bool]], ...] = ()
    # indicator -> its sources (national: NationalSource tuples; pre2019: row labels)
    indicators: Mapping[str, tuple] = field(default_factory=dict)

    @cached_property
    def signal_re(self) -> Optional[re.Pattern]:
        parts = [re.escape(s) for s in self.signals] + list(self.signal_patterns)
        return re.compile("|".join(parts)) if parts else None


FORMS: dict[str, Form] = {}


def register(form: Form) -> Form:
    if form.id in FORMS:
        raise ValueError(f"template {form.id!r} registered twice")
    FORMS[form.id] = form
    return form


def national_forms() -> list[Form]:
    """The national forms, oldest first."""
    return sorted((f for f in FORMS.values() if f.national), key=lambda f: f.first_year)
