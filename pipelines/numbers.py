"""Cell text → number. Blank stays None (never 0); the raw text is always kept."""
from __future__ import annotations

import re
from typing import Optional, Union

Number = Union[int, float]

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋％", "0123456789.,-+%")
_NUMBER_RE = re.compile(r"^\s*([+-]?)\s*(\d+(?:,\d{3})*(?:\.\d+)?)\s*([^\d\s]{0,4})\s*$")
# Units that may follow a number inside a cell (251000元, 3件).
INLINE_UNITS = frozenset(("元", "万元", "条", "件", "次", "人", "人次", "篇", "个", "项", "%"))
BLANKS = frozenset(("", "-", "—", "——", "/", "－", "--", "---", "----", "无"))


def parse_number(raw: str) -> Optional[Number]:
    text = raw.translate(_FULLWIDTH).strip()
    if text in BLANKS:
        return None
    m = _NUMBER_RE.match(text)
    if not m or (m.group(3) and m.group(3) not in INLINE_UNITS):
        return None
    digits = m.group(2).replace(",", "")
    value: Number = float(digits) if "." in digits else int(digits)
    return -value if m.group(1) == "-" else value


def inline_unit(raw: str) -> Optional[str]:
    """The unit printed inside a value cell (元 in 251000元), if any."""
    m = _NUMBER_RE.match(raw.translate(_FULLWIDTH))
    return m.group(3) or None if m else None
