"""The walk of a column's lists in one run: which list pages were asked for, which were
answered, and whether a limit cut the walk short.

Only a walk that answered every list page it asked for, and was not cut by a limit, may
tell that a report is gone (`mark_removed`). A portal's columns (its start URLs) are judged
one by one: a column whose walk is complete may tell its removals while another's is not.
Each run walks the lists from the start URLs again (list pages are always re-read), so a run
that resumes after a kill knows its walk exactly and never trusts a queue left over from the
killed run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

DEFAULT_MAX_LIST_PAGES = 500
# Families name at most this many pages from one list page (a memory bound on what a
# page can ask for: jcms totalRecord, TRS countPage, 共N页). The per-column limit is kept
# below it, so a list cut by a family always shows up as the column limit being hit.
MAX_PLAN_PAGES = 10_000

ListKey = tuple[str, Optional[tuple[tuple[str, str], ...]]]  # url, POST form (jcms)


@dataclass
class ColumnWalk:
    start_url: str
    asked: int = 0
    limit_hit: bool = False
    empty: int = 0   # its list pages answered that named nothing


@dataclass
class ListWalk:
    max_pages: int = DEFAULT_MAX_LIST_PAGES
    columns: dict[str, ColumnWalk] = field(default_factory=dict)
    asked: set[ListKey] = field(default_factory=set)
    pending: set[ListKey] = field(default_factory=set)
    empty: int = 0   # list pages answered that named no article and no other page
    owner: dict[ListKey, str] = field(default_factory=dict)  # the column that asked for each page

    def __post_init__(self) -> None:
        self.max_pages = max(1, min(int(self.max_pages), MAX_PLAN_PAGES - 1))

    def ask(self, column: str, key: ListKey) -> Optional[bool]:
        """May this list page be requested? True: yes (now pending); None: already asked
        in this run; False: the column's limit is reached (the walk is now incomplete)."""
        if key in self.asked:
            return None
        walk = self.columns.setdefault(column, ColumnWalk(column))
        if walk.asked >= self.max_pages:
            walk.limit_hit = True
            return False
        walk.asked += 1
        self.owner[key] = column
        self.asked.add(key)
        self.pending.add(key)
        return True

    def answered(self, key: Optional[ListKey]) -> None:
        if key is not None:
            self.pending.discard(key)

    def nothing_listed(self, key: Optional[ListKey]) -> None:
        """A list page answered that named no article and no other page."""
        self.empty += 1
        column = self.columns.get(self.owner.get(key)) if key is not None else None
        if column is not None:
            column.empty += 1

    def column_of(self, key: ListKey) -> Optional[str]:
        return self.owner.get(key)

    @property
    def limit_hit(self) -> bool:
        return any(c.limit_hit for c in self.columns.values())

    def complete(self, column: Optional[str] = None) -> bool:
        """Every list page asked for (of `column`, or of all) was answered with links, and no
        limit cut the walk. (A list page that names nothing — a maintenance page, a pager past
        the end — may hide reports that are still there: such a walk does not tell removals.)"""
        if column is None:
            return not self.pending and not self.limit_hit and not self.empty and bool(self.asked)
        walk = self.columns.get(column)
        return (walk is not None and walk.asked > 0 and not walk.limit_hit and not walk.empty
                and not any(self.owner.get(key) == column for key in self.pending))
