"""Date parsing for report pages and their metadata blocks.

Nearly every date on these pages is in one of a handful of shapes (2018-02-28,
2018年2月28日, 二〇一八年二月二十七日), so a precompiled regex handles them in
microseconds; dateparser, which is far slower, only sees what the regex cannot read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

# --- Chinese characters used in dates -------------------------------------------------

YEAR_MARK = "年"
MONTH_MARK = "月"
DAY_MARKS = "日号"
# Zero is written 〇 (U+3007), ○ (U+25CB, a look-alike circle), 零, or a (full-width) O/0.
CN_ZEROS = "〇○零ＯOo０0"
CN_ONE_TO_NINE = "一二三四五六七八九"
CN_TEN = "十"
CN_YEAR_FIRST = CN_ONE_TO_NINE[:2]        # 一/二: years 1xxx and 2xxx
CN_MONTH_AFTER_TEN = CN_ONE_TO_NINE[:2]   # 十一, 十二
CN_DAY_TENS = CN_ONE_TO_NINE[1:3]         # 二十…, 三十…
CN_FIRST_MONTH = "元"  # 元月 = January
# Digits that are ideographs (no Latin O/0), for lookbehinds that must not block "info2018年…".
CN_IDEOGRAPHIC_DIGITS = "〇○零" + CN_ONE_TO_NINE + CN_TEN
CN_DIGIT_VALUES: dict[str, int] = {
    **{ch: 0 for ch in CN_ZEROS},
    **{ch: i + 1 for i, ch in enumerate(CN_ONE_TO_NINE)},
}
# Separators of the numeric forms, ASCII and full-width.
NUMERIC_SEPARATORS = "-/.－／．"
# Sentence punctuation: a name in front of a signature date never contains it.
SENTENCE_PUNCTUATION = "，。；;,：:！？!?、“”\"《》"
# Last character of an agency name (局, 人民政府, 办公室, 委员会, 街道办事处, 中心, 镇 …).
AGENCY_SUFFIX_CHARS = "局府委办室会处心镇乡道院厅部署所站馆社队行司组团区县市省宫校"

MIN_YEAR, MAX_YEAR = 1900, 2100           # accepted by parse_date / find_dates
PLAUSIBLE_YEARS = range(1990, 2101)       # accepted by year_of
SIGNATURE_TAIL_LINES = 8
DATEPARSER_MAX_CHARS = 64                 # longer text is prose, not a date string

# --- Regexes (compiled once: parse_date runs many times per report) ---------------------

_CN_DIGIT = f"[{CN_ZEROS}{CN_ONE_TO_NINE}]"
_CN_YEAR = f"[{CN_YEAR_FIRST}]{_CN_DIGIT}{{3}}"
_CN_MONTH = f"{CN_TEN}[{CN_MONTH_AFTER_TEN}]?|[{CN_ONE_TO_NINE}{CN_FIRST_MONTH}]"
_CN_DAY = f"[{CN_DAY_TENS}]?{CN_TEN}[{CN_ONE_TO_NINE}]?|[{CN_ONE_TO_NINE}]"
_SEP = f"[{re.escape(NUMERIC_SEPARATORS)}]"

# \d also matches full-width digits, and int() reads them, so no translation is needed.
_DATE_RE = re.compile(
    # every form starts with a digit or 一/二 (a Chinese-numeral year): cheap rejection
    rf"(?=[\d{CN_YEAR_FIRST}])(?:"
    # 2018-02-28, 2018/2/8, 2018.02.28 (same separator twice; time may follow)
    rf"(?<![\d.])(?P<ny>\d{{4}})(?P<sep>{_SEP})(?P<nm>\d{{1,2}})(?P=sep)(?P<nd>\d{{1,2}})(?![\d])"
    r"|"
    # 2018年2月28日, 2018 年 2 月 28 日, 二〇一八年二月二十七日, 二零一八年元月五日
    rf"(?<![\d{CN_IDEOGRAPHIC_DIGITS}])"
    rf"(?P<cy>\d{{4}}|{_CN_YEAR})\s*{YEAR_MARK}\s*"
    rf"(?P<cm>\d{{1,2}}|{_CN_MONTH})\s*{MONTH_MARK}\s*"
    rf"(?:(?P<cdd>\d{{1,2}})(?!\d)|(?P<cdc>{_CN_DAY}))"
    # the day mark is required unless the text clearly ends there
    rf"(?:\s*[{DAY_MARKS}]|(?=[^\w{DAY_MARKS}]|$))"
    r")"
)
# Something that looks like a date (even a broken one such as "202111日"): when present and
# the fast path fails, dateparser would only guess, so it is not asked.
_DATEISH_RE = re.compile(
    rf"[\d{CN_IDEOGRAPHIC_DIGITS}]\s*[{YEAR_MARK}{MONTH_MARK}{DAY_MARKS}]"
    rf"|\d{{4}}\s*{_SEP}\s*\d"
)
_HAS_DIGIT_RE = re.compile(r"\d")
_YEAR_RE = re.compile(rf"(?<!\d)(?P<n>\d{{4}})(?!\d)|(?P<c>{_CN_YEAR})(?=\s*{YEAR_MARK})")
_SPACES_RE = re.compile(r"\s+")


@dataclass
class DateStats:
    """How parse_date answered, so a benchmark can show how rarely dateparser runs."""

    fast_path: int = 0
    dateparser_calls: int = 0
    failures: int = 0


STATS = DateStats()


def reset_stats() -> None:
    """Zero the module counters (benchmarks and tests start from a clean slate)."""
    STATS.fast_path = STATS.dateparser_calls = STATS.failures = 0


# --- helpers ---------------------------------------------------------------------------


def _cn_number(text: str) -> int:
    """Value of a Chinese month/day numeral (五, 十, 十二, 二十七, 三十一) or of digits."""
    if text.isdigit():
        return int(text)
    if text == CN_FIRST_MONTH:
        return 1
    if CN_TEN in text:
        tens, _, units = text.partition(CN_TEN)
        return (CN_DIGIT_VALUES[tens] if tens else 1) * 10 + (CN_DIGIT_VALUES[units] if units else 0)
    return CN_DIGIT_VALUES[text]


def _cn_year(text: str) -> int:
    """Year from digits or a digit-by-digit Chinese numeral (二〇一八 → 2018)."""
    if text.isdigit():
        return int(text)
    return int("".join(str(CN_DIGIT_VALUES[ch]) for ch in text))


def _match_iso(m: re.Match[str]) -> str | None:
    """ISO date of one regex match, or None when it is not a real calendar date."""
    if m.group("ny") is not None:
        y, mo, d = int(m.group("ny")), int(m.group("nm")), int(m.group("nd"))
    else:
        y = _cn_year(m.group("cy"))
        mo = _cn_number(m.group("cm"))
        d = int(m.group("cdd")) if m.group("cdd") is not None else _cn_number(m.group("cdc"))
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    try:
        return date(y, mo, d).isoformat()
    except ValueError:  # 2018-02-30, month 13
        return None


def _iter_dates(text: str) -> Iterator[tuple[int, int, str]]:
    for m in _DATE_RE.finditer(text):
        iso = _match_iso(m)
        if iso is not None:
            yield m.start(), m.end(), iso


@cache
def _date_parser() -> DateDataParser:
    """One DateDataParser for the process: building and loading its languages is slow."""
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=["zh", "en"],
        settings={
            "REQUIRE_PARTS": ["day", "month", "year"],
            # no 'relative-time' (昨天 must not become today), no 'timestamp',
            # no 'no-spaces-time' (it reads digit runs like 20211230 as dates)
            "PARSERS": ["custom-formats", "absolute-time"],
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )


def _dateparser_iso(text: str) -> str | None:
    """Slow path; exceptions from dateparser count as 'no date', never propagate."""
    try:
        found = _date_parser().get_date_data(text).date_obj
    except Exception:  # dateparser raises assorted errors on odd input
        return None
    if found is None or not MIN_YEAR <= found.year <= MAX_YEAR:
        return None
    return found.date().isoformat()


# --- public API ------------------------------------------------------------------------


def parse_date(text: str) -> str | None:
    """First real date in `text` as 'YYYY-MM-DD', else None.

    Regex fast path first; dateparser only when nothing date-like is present (so broken
    runs like '202111日' give None, not a guess) and the text is short and has a digit.
    """
    if text:
        for _start, _end, iso in _iter_dates(text):
            STATS.fast_path += 1
            return iso
        stripped = text.strip()
        if (
            len(stripped) <= DATEPARSER_MAX_CHARS
            and _HAS_DIGIT_RE.search(stripped)
            and not _DATEISH_RE.search(stripped)
        ):
            STATS.dateparser_calls += 1
            iso = _dateparser_iso(stripped)
            if iso is not None:
                return iso
    STATS.failures += 1
    return None


def find_dates(text: str) -> list[tuple[int, int, str]]:
    """(start, end, iso) of every valid numeric or Chinese-numeral date, in order (regex only)."""
    return list(_iter_dates(text))


def _is_agency_name(prefix: str) -> bool:
    """A short name without sentence punctuation or digits, ending like an organisation."""
    return (
        len(prefix) <= 40
        and prefix[-1] in AGENCY_SUFFIX_CHARS
        and not _HAS_DIGIT_RE.search(prefix)
        and not any(ch in SENTENCE_PUNCTUATION for ch in prefix)
    )


def find_signed_date(text: str) -> str | None:
    """Date under the signature: a line near the end that is only a date, or agency + date.

    A date inside a sentence (text after it, or prose before it) is not a signature.
    """
    tail: list[str] = []
    for raw in reversed(text.splitlines()):
        if len(tail) == SIGNATURE_TAIL_LINES:
            break
        if line := _SPACES_RE.sub("", raw):
            tail.append(line)
    for line in tail:  # bottom-up
        found = find_dates(line)
        if not found:
            continue
        start, end, iso = found[-1]
        if end != len(line):
            continue
        if start == 0 or _is_agency_name(line[:start]):
            return iso
    return None


def year_of(text: str) -> int | None:
    """First plausible year (1990–2100): a lone 4-digit number, or 二〇一七 before 年."""
    for m in _YEAR_RE.finditer(text):
        year = int(m.group("n")) if m.group("n") is not None else _cn_year(m.group("c"))
        if year in PLAUSIBLE_YEARS:
            return year
    return None
