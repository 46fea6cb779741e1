"""Portal health: is this run's view of a column believable enough to mark reports removed?

A portal whose layout changed typically still answers 200: its list page then shows no report
links, or only notices. Such a run must not mark the column's reports removed, and must not
look like a healthy re-crawl. A run is `suspect` when it lists under LISTED_MIN of what the
column's previous complete walk listed, or would remove more than REMOVED_MAX of the column's
reports. A suspect run marks nothing removed and the crawl exits EXIT_SUSPECT.

Both thresholds are settings (XXGK_HEALTH_LISTED_MIN, XXGK_HEALTH_REMOVED_MAX; `xxgk crawl
--set NAME=VALUE`): a portal that really took many reports down stays suspect run after run
(its baseline is the last healthy walk) until one run is given a higher threshold and so
marks them removed.
"""
from __future__ import annotations

from typing import Optional

LISTED_MIN = 0.5    # of the previous complete walk's reports listed
REMOVED_MAX = 0.1   # of the column's reports not removed yet
EXIT_SUSPECT = 3
# A run whose lists were not walked to the end (a limit, failures, an interruption) is not
# judged: it removes nothing, and it is never the baseline of the next verdict.
INCOMPLETE = "incomplete: the lists were not walked to the end; no removal judged"


SETTINGS = {"XXGK_HEALTH_LISTED_MIN": LISTED_MIN, "XXGK_HEALTH_REMOVED_MAX": REMOVED_MAX}


def threshold(name: str, value) -> float:
    """A threshold setting as a fraction from 0 to 1 (ValueError: one line saying so)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{name} wants a fraction from 0 to 1 (default {SETTINGS[name]}), not {value!r}")
    return number


def verdict(listed: int, previous: Optional[int], would_remove: int, present: int,
            listed_min: float = LISTED_MIN, removed_max: float = REMOVED_MAX) -> str:
    """'ok', or 'suspect: why' (one line)."""
    if previous and listed < listed_min * previous:
        return (f"suspect: listed {listed} reports, the previous complete walk {previous} "
                f"(under {listed_min:.0%})")
    if present and would_remove > removed_max * present:
        return (f"suspect: would remove {would_remove} of the column's {present} reports "
                f"(over {removed_max:.0%})")
    return "ok"
