"""Portal health: is this run's view of a column believable enough to mark reports removed?

A portal whose layout changed typically still answers 200: its list page then shows no report
links, or only notices. Such a run must not mark the column's reports removed, and must not
look like a healthy re-crawl. A run is `suspect` when it lists under LISTED_MIN of what the
column's previous complete walk listed, or would remove more than REMOVED_MAX of the column's
reports. A suspect run marks nothing removed and the crawl exits EXIT_SUSPECT.
"""
from __future__ import annotations

from typing import Optional

LISTED_MIN = 0.5    # of the previous complete walk's reports listed
REMOVED_MAX = 0.1   # of the column's reports not removed yet
EXIT_SUSPECT = 3
# A run whose lists were not walked to the end (a limit, failures, an interruption) is not
# judged: it removes nothing, and it is never the baseline of the next verdict.
INCOMPLETE = "incomplete: the lists were not walked to the end; no removal judged"


def verdict(listed: int, previous: Optional[int], would_remove: int, present: int) -> str:
    """'ok', or 'suspect: why' (one line)."""
    if previous and listed < LISTED_MIN * previous:
        return (f"suspect: listed {listed} reports, the previous complete walk {previous} "
                f"(under {LISTED_MIN:.0%})")
    if present and would_remove > REMOVED_MAX * present:
        return (f"suspect: would remove {would_remove} of the column's {present} reports "
                f"(over {REMOVED_MAX:.0%})")
    return "ok"
