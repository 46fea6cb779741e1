"""Reports published as attachments (PDF, DOCX, DOC, WPS, XLSX, XLS) go through the same
extraction as HTML pages. The attachments are built here from the demo portal's report
facts (tests/attachment_factory.py), so every table value is checked against the truth."""
from __future__ import annotations

import io
import json

import pytest

import attachment_factory as af
from conftest import xxgk
from pipelines import readers
from pipelines.readers import base, document_from_attachment, is_image_only, pdf, word
from pipelines.readers.word import doc_readers
from pipelines.report import UnreadableInput, extract_bytes, extract_path
from xxgk.portal import build_demo_portal

QUZHOU, GENERATED = 0, 1          # the reference report (mostly blank cells), one full of figures
REPORTS = (QUZHOU, GENERATED)
FORMATS = ("pdf", "pdf-continued", "docx", "docx-caption", "xlsx", "xls", "doc", "wps")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """{(report index, format): (facts, path)} with the files written once per module."""
    portal = build_demo_portal(n_reports=2)
    root = tmp_path_factory.mktemp("attachments")
    out = {}
    for i in REPORTS:
        facts = portal.reports[i]
        c = af.content(portal, facts)
        docx = af.docx_bytes(c)
        doc = af.doc_bytes(docx)
        files = {
            "pdf": ("report.pdf", af.pdf_bytes(c, repeat_header=True)),
            "pdf-continued": ("report.pdf", af.pdf_bytes(c, repeat_header=False, caption_in_table=True)),
            "docx": ("report.docx", docx),
            "docx-caption": ("report.docx", af.docx_bytes(c, caption_in_table=True)),
            "xlsx": ("report.xlsx", af.xlsx_bytes(c)),
            "xls": ("report.xls", af.xls_bytes(c)),
            "doc": ("report.doc", doc),
            "wps": ("report.wps", doc),
        }
        for fmt, (name, data) in files.items():
            path = None
            if data is not None:
                path = root / f"{i}-{fmt}" / name
                path.parent.mkdir()
                path.write_bytes(data)
            out[(i, fmt)] = (facts, path)
    return out


def _path(built, i, fmt):
    facts, path = built[(i, fmt)]
    if path is None:
        pytest.skip(f"{fmt}: no DOC writer here (LibreOffice `soffice` is not installed; "
                    "the Makefile installs libreoffice-writer-nogui)")
    return facts, path


def _check_report(result, facts, with_header_block: bool) -> None:
    assert result.errors == []
    assert result.is_report is True
    assert result.template == "pre2019"
    assert result.title == facts.title
    assert result.agency == facts.agency
    assert result.report_year == facts.report_year
    assert result.signed_date == facts.signed_date
    if with_header_block:
        assert result.index_no == facts.index_no
        assert result.written_date == facts.written_date
    got = [(cell.row[-1], cell.value) for cell in result.cells]
    expected = [(cell.row[-1], cell.value) for cell in facts.cells]
    assert got == expected                                   # every value, blanks null
    assert [cell.row for cell in result.cells] == [list(cell.row) for cell in facts.cells]
    assert all(cell.raw == "" for cell in result.cells if cell.value is None)


@pytest.mark.parametrize("i,fmt", [(i, fmt) for i in REPORTS for fmt in FORMATS if (i, fmt) != (QUZHOU, "wps")])
def test_attachment_extracts_every_value(built, i, fmt):
    facts, path = _path(built, i, fmt)
    result = extract_bytes(path.read_bytes(), str(path))
    _check_report(result, facts, with_header_block=fmt not in ("xlsx", "xls"))


@pytest.mark.parametrize("reader", ["antiword", "libreoffice"])
def test_doc_each_reader(built, monkeypatch, reader):
    facts, path = _path(built, GENERATED, "doc")
    monkeypatch.setenv(word.DOC_READER_ENV, reader)
    if not doc_readers():
        pytest.skip(f"{reader} is not installed (apt packages: antiword, libreoffice-writer-nogui)")
    _check_report(extract_bytes(path.read_bytes(), str(path)), facts, with_header_block=True)


def test_pdf_table_over_pages_is_one_table(built):
    for fmt in ("pdf", "pdf-continued"):
        facts, path = built[(GENERATED, fmt)]
        doc = document_from_attachment(path.read_bytes(), path.name)
        assert int(doc.meta[base.PAGES_KEY]) >= 3
        tables = list(doc.tables())
        assert len(tables) == 1                                # not one per page
        header_rows = [r for r in tables[0].rows if r[0] == "统计指标"]
        assert len(header_rows) == 1                           # a repeated header is dropped
        assert not any(pdf._PAGE_NUMBER_RE.match(line) for line in doc.lines())


def test_pdf_text_in_reading_order_and_paragraphs_joined(built):
    facts, path = built[(GENERATED, "pdf")]
    doc = document_from_attachment(path.read_bytes(), path.name)
    lines = list(doc.lines())
    assert lines[0] == facts.title
    assert lines[-2:] == [facts.agency, facts.signed_date_text]
    article = build_demo_portal(n_reports=2).article(facts.art_path)
    assert article.intro[0] in lines                          # a wrapped paragraph is one line again
    table_at = next(k for k, b in enumerate(doc.blocks) if not isinstance(b, str))
    assert doc.blocks[table_at - 1] == f"（{facts.report_year}年度）"


def test_merged_cells_fill_the_grid():
    expected = [["V", "H", "H", "H"], ["V", "r1c1", "r1c2", "r1c3"],
                ["r2c0", "B", "B", "r2c3"], ["r3c0", "B", "B", "r3c3"]]
    for data in (af.merged_docx_bytes(), af.merged_xlsx_bytes()):
        tables = list(document_from_attachment(data).tables())
        assert [t.rows for t in tables] == [expected]


def test_image_only_pdf_is_flagged():
    name = "宿州市人民政府2019年政府信息公开工作年度报告（图片版）.pdf"
    doc = document_from_attachment(af.image_only_pdf_bytes(), name)
    assert is_image_only(doc)
    assert doc.blocks == [] and doc.meta[base.PAGES_KEY] == "2"
    assert doc.html_title == name[:-4]                          # the file name is the only title


def test_text_pdf_is_not_image_only(built):
    facts, path = built[(QUZHOU, "pdf")]
    assert not is_image_only(document_from_attachment(path.read_bytes(), path.name))


def test_image_only_docx_is_flagged(tmp_path):
    import docx
    from PIL import Image

    image = tmp_path / "scan.png"
    Image.new("L", (60, 80), 128).save(image)
    d = docx.Document()
    d.add_picture(str(image))
    out = io.BytesIO()
    d.save(out)
    assert is_image_only(document_from_attachment(out.getvalue(), "scan.docx"))


@pytest.mark.parametrize("data,message", [
    (b"%PDF-1.4 broken", "PDF could not be read"),
    (b"PK\x03\x04 not really a zip", "ZIP-based office file could not be read"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "OLE office file could not be read"),
    (b"{\\rtf1\\ansi hello}", "RTF attachments are not readable"),
])
def test_corrupt_or_unsupported_is_unreadable(data, message):
    with pytest.raises(UnreadableInput, match=message) as info:
        extract_bytes(data, "input.bin")
    assert "\n" not in str(info.value)


def test_truncated_pdf_is_unreadable(built):
    facts, path = built[(QUZHOU, "pdf")]
    with pytest.raises(UnreadableInput, match="PDF could not be read"):
        document_from_attachment(path.read_bytes()[:3000])


def test_encrypted_pdf_is_unreadable():
    with pytest.raises(UnreadableInput, match="PDF is encrypted"):
        document_from_attachment(af.encrypted_pdf_bytes())


def test_owner_password_only_pdf_is_read():
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, encrypt=pdfencrypt.StandardEncryption("", "owner-only"))
    pdf.drawString(100, 700, "open to read")
    pdf.save()
    assert list(document_from_attachment(out.getvalue()).lines()) == ["open to read"]


def test_encrypted_doc_is_unreadable(built):
    facts, path = _path(built, QUZHOU, "doc")
    data = bytearray(path.read_bytes())
    fib = next(k for k in range(0, len(data), 512) if data[k:k + 2] == b"\xec\xa5")  # WordDocument stream
    data[fib + 11] |= 0x01                                      # FIB fEncrypted
    with pytest.raises(UnreadableInput, match="DOC is encrypted"):
        document_from_attachment(bytes(data), "report.doc")


def test_encrypted_ooxml_is_unreadable(monkeypatch):
    monkeypatch.setattr(readers, "_ole_streams", lambda data: ["Root Entry", "EncryptionInfo", "EncryptedPackage"])
    with pytest.raises(UnreadableInput, match="encrypted"):
        document_from_attachment(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "report.docx")


def test_wps_that_is_not_word_compatible_says_so(built):
    facts, path = built[(QUZHOU, "xls")]
    works = path.read_bytes().replace("Workbook".encode("utf-16-le"), "CONTENTS".encode("utf-16-le"))
    with pytest.raises(UnreadableInput, match="^WPS is not readable: "):
        document_from_attachment(works, "old.wps")


def test_size_limit(monkeypatch, built):
    facts, path = built[(QUZHOU, "xlsx")]
    data = path.read_bytes()
    with pytest.raises(UnreadableInput, match="too large"):
        document_from_attachment(data, limit=len(data) - 1)
    monkeypatch.setenv(readers.MAX_BYTES_ENV, str(len(data) - 1))
    with pytest.raises(UnreadableInput, match="too large"):
        extract_bytes(data, "report.xlsx")
    assert readers.max_bytes() == len(data) - 1
    monkeypatch.delenv(readers.MAX_BYTES_ENV)
    assert readers.max_bytes() == 50 * 1024 * 1024


def test_extract_path_gives_errors_not_exceptions(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n%garbage")
    result = extract_path(str(path))
    assert result.is_report is False and result.errors and "PDF" in result.errors[0]


def test_cli_extract_pdf_and_corrupt_pdf(built, tmp_path):
    facts, path = built[(GENERATED, "pdf")]
    result = xxgk("extract", str(path), timeout=120)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["is_report"] is True and data["template"] == "pre2019" and data["title"] == facts.title
    assert len(data["cells"]) == len(facts.cells) and data["errors"] == []

    corrupt = tmp_path / "corrupt.pdf"
    corrupt.write_bytes(path.read_bytes()[:4000])
    result = xxgk("extract", str(corrupt), timeout=120)
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert data["is_report"] is False and data["errors"][0].startswith("PDF could not be read")
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


NATIONAL = ("t2019_full_report.html", "t2021_full_report.html")


@pytest.mark.parametrize("fmt", ["pdf", "docx", "doc"])
@pytest.mark.parametrize("name", NATIONAL)
def test_national_template_attachment_matches_its_html(name, fmt):
    """A 2019/2021 report (merged header cells over rows and columns) written as an
    attachment gives the same cells as the HTML page it was written from."""
    from conftest import GOLDEN
    from pipelines.decode import decode_html
    from pipelines.readers.html import from_html
    from pipelines.report import extract_document

    if not (GOLDEN / name).exists():
        pytest.skip(f"golden file {name} is not in this checkout")
    doc = from_html(decode_html((GOLDEN / name).read_bytes())[0])
    want = extract_document(doc, name)
    data = {"pdf": af.document_pdf_bytes, "docx": af.document_docx_bytes,
            "doc": lambda d: af.doc_bytes(af.document_docx_bytes(d))}[fmt](doc)
    if data is None:
        pytest.skip("no DOC writer here (LibreOffice `soffice` is not installed)")
    if fmt == "doc" and doc_readers()[:1] != ["libreoffice"]:
        pytest.skip("antiword loses vertically merged cells: national tables need LibreOffice")
    got = extract_bytes(data, f"report.{fmt}")
    assert (got.is_report, got.template, got.title, got.agency, got.report_year) == \
        (want.is_report, want.template, want.title, want.agency, want.report_year)
    assert want.template in ("2019", "2021") and len(want.cells) > 100
    assert [(c.table, c.row, c.column, c.value) for c in got.cells] == \
        [(c.table, c.row, c.column, c.value) for c in want.cells]


def test_image_only_report_is_kept_as_a_report_with_a_clear_error():
    from pipelines.report import IMAGE_ONLY_ERROR, extract_bytes

    name = "江澜市统计局2016年政府信息公开工作年度报告（图片版）.pdf"
    result = extract_bytes(af.image_only_pdf_bytes(), f"http://demo.xxgk.invalid/{name}")
    assert result.is_report is True
    assert result.errors == [IMAGE_ONLY_ERROR]
    assert result.cells == []


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "utf-16", "utf-16-le"])
@pytest.mark.parametrize("href", ["附件/2023年报告.PDF", "/a/b.docx?x=1", "c.Xls", "../d.wps", "e.ET"])
def test_a_page_linking_an_attachment_is_always_read_for_links(encoding, href):
    """The crawl skips reading links of pages that cannot hold one: never one that does."""
    from crawler.families.attachments import attachment_links, may_link_attachments

    html = f'<html><body><p>政府信息公开</p><a href="{href}">年度报告</a></body></html>'
    assert attachment_links(html, "http://127.0.0.1/x/index.html")
    assert may_link_attachments(html.encode(encoding))


def test_a_page_without_attachment_links_is_skipped():
    from crawler.families.attachments import may_link_attachments

    assert not may_link_attachments('<a href="/x/2023.html">年度报告</a><a href="doc/">文档</a>'.encode("gbk"))
