"""HTML report pages → a `Document`: the body container of the portal system (jcms, TRS,
gov.cn, generic) as blocks of text lines and table grids (rowspan/colspan expanded), the
rest of the page as header blocks, plus <title> and <meta> tags."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from lxml import etree

from ..document import Block, Document, Table, clean
from ..limits import MAX_DOCUMENT_CELLS, MAX_SPAN, MAX_SPAN_AREA, MAX_TABLE_CELLS, note

# Containers real portal systems put the report body in (jcms, TRS, gov.cn, generic).
# Written on the attribute axis (//@id[…]/.. rather than //*[@id=…]): the same elements in
# the same order, but libxml2 tests only the attributes there are, 2-4x faster (measured).
BODY_SELECTORS = (
    "//@id[.='zoom']/..",
    "//@id[.='UCAP-CONTENT']/..",
    "//@class[contains(concat(' ', normalize-space(.), ' '), ' TRS_Editor ')]/..",
    "//@class[contains(concat(' ', normalize-space(.), ' '), ' trs_editor_view ')]/..",
    "//@id[.='content']/..",
    "//@class[contains(concat(' ', normalize-space(.), ' '), ' article-content ')]/..",
    # ASP.NET server controls: ctl00_ContentPlaceHolder1_lblContent and the like.
    "//@id[contains(., 'lblContent') or contains(., 'Content1_') or contains(., 'ArticleContent')]/..",
)
# Compiled once: root.xpath(string) compiles the expression on every call.
_BODY_XPATHS = tuple(etree.XPath(selector) for selector in BODY_SELECTORS)
BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody thead tfoot tr ul "
    "br td th caption".split()
)
SKIP_TAGS = frozenset(("script", "style", "noscript", "template", "head", "title", "select", "option"))
# The plain libxml2 HTML parser: lxml.html's element classes cost a lookup per node.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
_CJK_GAP_RE = re.compile(r"(?<=[\u4e00-\u9fff]) +(?=[\u4e00-\u9fff])")
_UTF8_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, encoding="utf-8")


def from_html(text: str) -> Document:
    if not text.strip():
        return Document()
    try:
        root = etree.fromstring(text, _PARSER)
    except ValueError:  # an XHTML page's <?xml encoding=…?> declaration in a str
        root = etree.fromstring(text.encode("utf-8"), _UTF8_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError):
        return Document()
    if root is None:
        return Document()
    doc = Document()
    title = None
    for el in root.iter("title", "meta"):  # one walk of the tree for both
        if el.tag == "title":
            title = el if title is None else title  # the first, as find(".//title") gives
        else:
            name = el.get("name")
            if name and el.get("content") is not None:
                doc.meta[name] = clean(el.get("content"))
    if title is not None and "".join(title.itertext()).strip():
        doc.html_title = clean("".join(title.itertext()))
    body = None
    for selector in _BODY_XPATHS:
        found = selector(root)
        if found:
            body = found[0] if len(found) == 1 else max(found, key=lambda el: len("".join(el.itertext())))
            break
    budget = _Budget(doc.limits)
    page = root.find("body")
    if page is None:
        page = root
    if body is None:
        doc.blocks = _blocks(page, budget=budget)
    else:
        doc.blocks = _blocks(body, budget=budget)
        doc.header_blocks = _blocks(page, skip=body, budget=budget)
    return doc


class _Budget:
    """Grid cells left for the page's tables, and where limits that were hit are noted."""

    def __init__(self, notes: list[str], cells: int = MAX_DOCUMENT_CELLS):
        self.notes = notes
        self.cells = cells

    def note(self, message: str) -> None:
        note(self.notes, message)


def _blocks(root: etree._Element, skip: Optional[etree._Element] = None,
            budget: Optional[_Budget] = None) -> list[Block]:
    budget = budget if budget is not None else _Budget([])
    out: list[Block] = []
    buf: list[str] = []

    def flush() -> None:
        if not buf:  # called at every block boundary, mostly with nothing gathered
            return
        line = clean("".join(buf))
        buf.clear()
        if line:
            out.append(line)

    def walk(el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if el is skip or tag in SKIP_TAGS or not tag:
            if el.tail and tag:
                buf.append(el.tail)
            elif el.tail and not tag:
                buf.append(el.tail)
            return
        # a table holding no other table (iterdescendants: no XPath compiled per table)
        if tag == "table" and next(el.iterdescendants("table"), None) is None:
            flush()
            grid = table_grid(el, budget)
            if grid:
                out.append(Table(grid))
        else:
            block = tag in BLOCK_TAGS
            if block:
                flush()
            if el.text:
                buf.append(el.text)
            for child in el:
                walk(child)
            if block:
                flush()
        if el.tail:
            buf.append(el.tail)

    walk(root)
    flush()
    # walk refers to itself through this call's closure: a cycle holding `skip`, so the whole
    # parsed page, until the cycle collector runs. Emptying the name breaks it.
    walk = None  # noqa: F841
    return out


def _tidy_cell(text: str) -> str:
    """A cell's text with line breaks removed and spaces collapsed."""
    text = clean(text.replace("\n", "").replace("\r", ""))
    # a word wrapped over two <p> with &nbsp; runs between (社会公益 组织): one word
    return _CJK_GAP_RE.sub("", text) if " " in text else text


# Short cell texts (labels) repeat from report to report: cached, the long ones not (memory).
_tidy_short_cell = lru_cache(maxsize=4096)(_tidy_cell)
_SHORT_CELL = 48


def _span(value: Optional[str], budget: Optional[_Budget] = None) -> int:
    if value is None:
        return 1
    value = value.strip()
    if not value.isdecimal():  # isdigit() also passes ², which int() refuses
        return 1
    digits = value.lstrip("0") or "0"
    span = int(digits) if len(digits) < 12 else MAX_SPAN + 1
    if span > MAX_SPAN and budget is not None:
        budget.note(f"table span {digits[:12]} cut to {MAX_SPAN} (limit MAX_SPAN)")
    return max(1, min(span, MAX_SPAN))


def table_grid(table: etree._Element, budget: Optional[_Budget] = None) -> list[list[str]]:
    """Expand rowspan/colspan so every row lists its cells column by column.

    Bounded (module constants): each span, each cell's rowspan × colspan, the table's and the
    page's grid cells; a limit that is hit is noted in `budget` and the grid stops there."""
    budget = budget if budget is not None else _Budget([])
    left = min(MAX_TABLE_CELLS, budget.cells)  # grid cells this table may still fill
    grid: list[list[str]] = []
    pending: dict[tuple[int, int], str] = {}  # cells that rowspans carry into later rows
    tostring = etree.tostring
    for r, tr in enumerate(table.iter("tr")):
        if left <= 0:
            budget.note(_full(budget))
            break
        row: list[str] = []
        col = 0
        for cell in tr:
            tag = cell.tag
            if tag != "td" and tag != "th":
                continue
            if pending:
                while (r, col) in pending:
                    row.append(pending.pop((r, col)))
                    col += 1
            # the cell's text: <br> inside a header cell splits a word (本年新<br/>制作数量), so
            # the text nodes are joined without a gap; tostring(method="text") joins them in C,
            # 6x faster than itertext() (measured). Inline: this runs for every cell.
            text = tostring(cell, method="text", encoding="unicode", with_tail=False) if len(cell) else cell.text
            if not text:
                text = ""
            elif not text.isalnum():  # most cells are a number or a word
                text = _tidy_short_cell(text) if len(text) <= _SHORT_CELL else _tidy_cell(text)
            # most cells carry no attribute at all: one call tells, not two lookups (measured)
            rowspan, colspan = (cell.get("rowspan"), cell.get("colspan")) if cell.attrib else (None, None)
            if rowspan is None and colspan is None:
                row.append(text)
                col += 1
                left -= 1
                continue
            rowspan, colspan = _span(rowspan, budget), _span(colspan, budget)
            if rowspan * colspan > MAX_SPAN_AREA:
                budget.note(f"table cell spanning {rowspan}×{colspan} cut to "
                            f"{max(1, MAX_SPAN_AREA // colspan)}×{colspan} (limit MAX_SPAN_AREA = {MAX_SPAN_AREA})")
                rowspan = max(1, MAX_SPAN_AREA // colspan)
            left -= rowspan * colspan
            if left < 0:
                break
            for dc in range(colspan):
                row.append(text)
                for dr in range(1, rowspan):
                    pending[(r + dr, col + dc)] = text
            col += colspan
        if pending:
            while (r, col) in pending:
                row.append(pending.pop((r, col)))
                col += 1
        if any(row):
            grid.append(row)
        if left < 0:
            budget.note(_full(budget))
            break
    budget.cells -= min(MAX_TABLE_CELLS, budget.cells) - max(left, 0)
    return grid


def _full(budget: _Budget) -> str:
    if budget.cells <= MAX_TABLE_CELLS:
        return f"page has more than {MAX_DOCUMENT_CELLS} table cells: the rest not read (limit MAX_DOCUMENT_CELLS)"
    return f"table has more than {MAX_TABLE_CELLS} cells: the rest not read (limit MAX_TABLE_CELLS)"
