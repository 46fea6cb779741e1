"""One saved report → an `Extraction` (the `xxgk extract` contract), with no network.

Works on bytes or a file: portal HTML in any encoding, or the plain-text form with
`|`-separated cells. Each step is a small pure function from the modules beside
this one; this module only decides what a page is and wires them together.
"""
from __future__ import annotations

import re
from typing import Optional, Sequence

from . import agency as agency_mod, dates, indicators, metadata as meta_mod
from .readers import attachment_kind, document_from_attachment, is_image_only
from .readers.base import FORMAT_KEY, PDF
from .decode import decode_html, decode_text
from .document import Document
from .readers.html import from_html
from .errors import UnreadableInput  # noqa: F401 (part of this module's interface)
from .celllines import rebuild_blocks, text_document
from .checks import run as run_checks
from .confidence import confidence
from .chinese import to_simplified
from .model import Extraction
from .wrapped import repair_blocks
from .templates import extract_tables

IMAGE_ONLY_ERROR = "image-only report (图片版): no text layer to read"
REPORT_TITLE_RE = re.compile(
    r"(?:政府信息公开|政务公开|信息公开).{0,8}?(?:年度报告|年报)|(?:年度报告|年报)$"
    r"|(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})\s*年度\s*(?:政府信息公开|政务公开)(?:工作)?报告"
)
NOTICE_TITLE_RE = re.compile(r"^关于|(?:通知|意见|办法|方案|指南|要点|细则|规定|公告|函|目录|决定|批复)$")
BREADCRUMB_RE = re.compile(r"[>›»]|^(?:首页|当前位置|您现在的位置)")
TITLE_SPLIT_RE = re.compile(r"\s*(?:_|\||\s[-—–]\s|——)\s*")
# A report title names its year (2017年, 2017年度, 二〇一七年); a column name does not.
YEAR_IN_TITLE_RE = re.compile(r"(?:19|20)\d{2}|[〇○零一二][〇○零一二三四五六七八九]{3}")
# The title as quoted in a text-only report: "现公布XX局2017年政府信息公开工作年度报告".
YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
REPORT_SECTION_WORDS = ("主动公开", "依申请公开", "行政复议", "行政诉讼")
ORG_SUFFIX_RE = agency_mod.ORG_SUFFIX_RE
_SIGNATURE_LINE_RE = re.compile(r"^[\u4e00-\u9fff（）()·]{2,40}$")
_DATE_LINE_RE = re.compile(r"年.{1,3}月.{1,4}日$|^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$")

_HTML_SNIFF_RE = re.compile(rb"<\s*(?:!doctype|html|head|body|meta|table|div|p|span|title)\b", re.I)


def is_report_title(title: Optional[str]) -> bool:
    if not title:
        return False
    title = to_simplified(title.strip())  # mirrors print 政府信息公開工作年度報告
    return bool(REPORT_TITLE_RE.search(title)) and not NOTICE_TITLE_RE.search(title)


def _explicit_title(doc: Document, meta: dict[str, str]) -> Optional[str]:
    """A title the page states as such: 标题/名称 in the header block, or ArticleTitle."""
    for label in meta_mod.TITLE_LABELS:
        if meta.get(label):
            return meta[label].strip()
    for name in ("ArticleTitle", "title", "Title"):
        if doc.meta.get(name):
            return doc.meta[name].strip()
    return None


def _title_candidates(doc: Document, meta: dict[str, str]) -> list[str]:
    found: list[str] = []
    values = set(meta.values())  # 公开目录：政府信息公开年报 is a column name, not a title
    for line in list(doc.header_blocks) + list(doc.blocks[:15]):
        if (isinstance(line, str) and len(line) <= 80 and "。" not in line and line not in values
                and not BREADCRUMB_RE.search(line) and YEAR_IN_TITLE_RE.search(line)
                and REPORT_TITLE_RE.search(line)):
            found.append(line)
    top = [b for b in list(doc.header_blocks) + list(doc.blocks[:15]) if isinstance(b, str)]
    joined = agency_mod.joined_title(top)
    if joined:  # 乌海市工业和信息化局 / 政府信息公开工作年度报告: one title
        found.insert(0, joined)
    if doc.html_title:
        # "标题_栏目_站点" / "标题 - 站点": the title is the first part.
        found.append(TITLE_SPLIT_RE.split(doc.html_title, maxsplit=1)[0])
    return [t.strip() for t in found if t and t.strip()]


def choose_title(doc: Document, meta: dict[str, str], agency: Optional[str]) -> Optional[str]:
    explicit = _explicit_title(doc, meta)
    if explicit:
        return explicit
    candidates = _title_candidates(doc, meta)
    for title in candidates:
        if is_report_title(title):
            return title
    if agency:  # text-only reports name themselves in the first paragraph
        pattern = re.compile(re.escape(agency) + r"[^，。,;；]{0,30}?(?:年度报告|年报)")
        for line in list(doc.lines())[:5]:
            m = pattern.search(line)
            if m:
                return m.group(0)
    return candidates[0] if candidates else None


def signature(lines: list[str]) -> tuple[Optional[str], Optional[str]]:
    """(agency, signed ISO date) from the last lines: a name line above a date line,
    or both on one line."""
    tail = [l.strip() for l in lines[-8:] if l.strip()]
    for i in range(len(tail) - 1, -1, -1):
        line = tail[i]
        if not _DATE_LINE_RE.search(line):
            continue
        found = dates.find_dates(line)
        if not found:
            continue
        start, _end, iso = found[-1]
        before = line[:start].strip()
        name = None
        if before and _SIGNATURE_LINE_RE.match(before) and ORG_SUFFIX_RE.search(before):
            name = before
        elif not before and i > 0 and _SIGNATURE_LINE_RE.match(tail[i - 1]) and ORG_SUFFIX_RE.search(tail[i - 1]):
            name = tail[i - 1]
        elif before:
            continue  # a date inside prose is not a signature
        return name, iso
    return None, dates.find_signed_date("\n".join(lines))


def agency_from_title(title: Optional[str]) -> Optional[str]:
    return agency_mod.from_title(title)


def report_year(title: Optional[str], doc: Document, meta: dict[str, str], written: Optional[str]) -> Optional[int]:
    for text in (title, meta.get("组配分类")):
        if text:
            m = YEAR_RE.search(text)
            if m:
                return int(m.group(1))
    for table in doc.tables():
        for row in table.rows[:3]:
            for cell in row:
                m = re.search(r"((?:19|20)\d{2})\s*年度", cell)
                if m:
                    return int(m.group(1))
    if written:
        return int(written[:4]) - 1
    return None


def extract_document(doc: Document, source: str) -> Extraction:
    result = Extraction(source=source)
    result.errors.extend(doc.limits)  # limits hit while reading (README "Limits and safety")
    meta = meta_mod.extract_metadata(doc)
    result.metadata = meta
    lines = list(doc.lines())
    sig_agency, result.signed_date = signature(lines)

    result.index_no = meta_mod.first(meta, meta_mod.INDEX_LABELS)
    result.index_no_parts = meta_mod.index_parts(result.index_no)
    result.publisher = meta_mod.first(meta, meta_mod.PUBLISHER_LABELS)
    written = meta_mod.first(meta, meta_mod.WRITTEN_DATE_LABELS)
    published = meta_mod.first(meta, meta_mod.PUBLISHED_DATE_LABELS) or doc.meta.get("PubDate")
    result.written_date = dates.parse_date(written) if written else None
    result.published_date = dates.parse_date(published) if published else None

    result.title = choose_title(doc, meta, sig_agency)
    # the title names the body in full; a signature may be the office that wrote the report
    result.agency = agency_from_title(result.title) or sig_agency
    if not result.agency:  # 现公布泰州市人民政府2017年政府信息公开工作年度报告
        result.agency = agency_mod.from_sentence(" ".join(lines[:5]))
        if result.agency and result.title is None:
            result.title = choose_title(doc, meta, result.agency)

    year_hint = report_year(result.title, doc, meta, result.written_date)
    blocks = rebuild_blocks(doc.blocks)  # a table flattened into one paragraph per cell
    result.template, result.cells = extract_tables(blocks, year_hint)
    result.indicators = indicators.compute(result.template, result.cells)
    result.checks = run_checks(result.template, result.cells)
    result.body_text = doc.text()

    body = " ".join(lines)
    content_ok = bool(result.cells) or sum(word in body for word in REPORT_SECTION_WORDS) >= 2
    result.is_report = content_ok and (is_report_title(result.title) or (result.title is None and bool(result.cells)))
    if result.is_report:
        result.report_year = report_year(result.title, doc, meta, result.written_date)
    result.confidence = confidence(result)
    return result


# Header fields an attachment may supply when the page that links it does not.
_FILLABLE = ("title", "index_no", "index_no_parts", "agency", "publisher", "written_date",
             "published_date", "signed_date", "report_year")


def merge_attachment(page: Extraction, attached: Extraction) -> Extraction:
    """A report page whose body only links its attachment: the page's header block, the
    attachment's tables and text. The page's URL stays the source."""
    merged = Extraction(**{**page.__dict__})
    for name in _FILLABLE:
        if getattr(merged, name) is None:
            setattr(merged, name, getattr(attached, name))
    merged.metadata = {**attached.metadata, **page.metadata}
    merged.template, merged.cells = attached.template, attached.cells
    merged.indicators, merged.checks = attached.indicators, attached.checks
    merged.body_text = "\n".join(t for t in (page.body_text, attached.body_text) if t)
    merged.errors = list(page.errors) + list(attached.errors)
    merged.is_report = bool(attached.cells) or attached.is_report or (
        is_report_title(merged.title) and IMAGE_ONLY_ERROR in attached.errors)
    merged.confidence = confidence(merged)
    return merged


def waits_for_attachments(page: Extraction, attachments: Sequence[str]) -> bool:
    """A report-titled page with no statistics table that links files may only link its
    report: whether it is one is decided when the files have been read."""
    return bool(attachments) and not page.cells and is_report_title(page.title)


def report_with_attachment(page: Extraction, attached: Extraction) -> Optional[Extraction]:
    """The waiting page's report with its data from one of its attachments, or None when the
    file gives no table (and is not an image-only report) or the result is no report."""
    if not (attached.cells or IMAGE_ONLY_ERROR in attached.errors):
        return None
    merged = merge_attachment(page, attached)
    return merged if merged.is_report else None


def _looks_like_html(data: bytes) -> bool:
    return bool(_HTML_SNIFF_RE.search(data[:4096]))


def extract_bytes(data: bytes, source: str, content_type: Optional[str] = None,
                  filename: Optional[str] = None) -> Extraction:
    """Raises UnreadableInput for what cannot be read (corrupt, encrypted, too large or an
    unsupported attachment). `filename` (default: `source`) only tells WPS from DOC and
    gives a fallback title."""
    if attachment_kind(data, filename or source):
        doc = document_from_attachment(data, filename or source)
        if doc.meta.get(FORMAT_KEY) == PDF:  # labels a page break or a tall merged cell cut apart
            doc.blocks = repair_blocks(doc.blocks)
        result = extract_document(doc, source)
        if is_image_only(doc):  # 图片版: a report we cannot read, never silently dropped
            result.is_report = is_report_title(result.title)
            result.errors.append(IMAGE_ONLY_ERROR)
            result.confidence = confidence(result)
        return result
    is_html = (content_type and "html" in content_type.lower()) or _looks_like_html(data)
    if is_html:
        text, _encoding = decode_html(data, content_type)
        doc = from_html(text)
    else:
        text, _encoding = decode_text(data)
        doc = text_document(text)  # tables one cell per line rebuilt, `|` rows as before
    return extract_document(doc, source)


def extract_path(path: str, url: Optional[str] = None) -> Extraction:
    """Never raises for bad input: unreadable files give an Extraction with errors."""
    source = url or path
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return Extraction(source=source, errors=[f"no such file: {path}"])
    except IsADirectoryError:
        return Extraction(source=source, errors=[f"is a directory, not a file: {path}"])
    except OSError as exc:
        return Extraction(source=source, errors=[f"cannot read {path}: {exc.strerror or exc}"])
    if not data.strip():
        return Extraction(source=source, errors=[f"empty file: {path}"])
    try:
        return extract_bytes(data, source)
    except UnreadableInput as exc:
        return Extraction(source=source, errors=[str(exc)])
