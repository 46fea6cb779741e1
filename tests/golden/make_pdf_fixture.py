"""Writes `pdf_wrapped_labels.pdf`: a report PDF made the way real ones are (a Word file
printed to PDF), not drawn directly.

A DOCX is written with python-docx — tables with narrow label columns, so labels wrap
over two or three lines, and 三、本年度办理结果 in a one-character-wide merged cell, so it
prints one character per line down the cell — then LibreOffice converts it
(`soffice --headless --convert-to pdf`), as WPS/Word "print to PDF" does. Figures: the
河北省教育厅 2022 report (see README.md). The PDF is committed; rerun only to change it:

    .venv/bin/python tests/golden/make_pdf_fixture.py
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

HERE = Path(__file__).parent
OUT = HERE / "pdf_wrapped_labels.pdf"

T3_ROWS = (
    ("一、本年新收政府信息公开申请数量", None, ["41", "2", "0", "0", "1", "0", "44"]),
    ("二、上年结转政府信息公开申请数量", None, ["0"] * 7),
    ("（一）予以公开", None, ["24", "2", "0", "0", "1", "0", "27"]),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", None, ["3", "0", "0", "0", "0", "0", "3"]),
    ("（三）不予公开", "1.属于国家秘密", ["0"] * 7),
    ("（三）不予公开", "2.其他法律行政法规禁止公开", ["0"] * 7),
    ("（三）不予公开", "3.危及“三安全一稳定”", ["1", "0", "0", "0", "0", "0", "1"]),
    ("（三）不予公开", "4.保护第三方合法权益", ["2", "0", "0", "0", "0", "0", "2"]),
    ("（三）不予公开", "5.属于三类内部事务信息", ["0"] * 7),
    ("（三）不予公开", "6.属于四类过程性信息", ["0"] * 7),
    ("（三）不予公开", "7.属于行政执法案卷", ["0"] * 7),
    ("（三）不予公开", "8.属于行政查询事项", ["0"] * 7),
    ("（四）无法提供", "1.本机关不掌握相关政府信息", ["2", "0", "0", "0", "0", "0", "2"]),
    ("（四）无法提供", "2.没有现成信息需要另行制作", ["1", "0", "0", "0", "0", "0", "1"]),
    ("（四）无法提供", "3.补正后申请内容仍不明确", ["1", "0", "0", "0", "0", "0", "1"]),
    ("（五）不予处理", "1.信访举报投诉类申请", ["5", "0", "0", "0", "0", "0", "5"]),
    ("（五）不予处理", "2.重复申请", ["0"] * 7),
    ("（五）不予处理", "3.要求提供公开出版物", ["0"] * 7),
    ("（五）不予处理", "4.无正当理由大量反复申请", ["0"] * 7),
    ("（五）不予处理", "5.要求行政机关确认或重新出具已获取信息", ["0"] * 7),
    ("（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", ["2", "0", "0", "0", "0", "0", "2"]),
    ("（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", ["0"] * 7),
    ("（六）其他处理", "3.其他", ["0"] * 7),
    ("（七）总计", None, ["41", "2", "0", "0", "1", "0", "44"]),
    ("四、结转下年度继续办理", None, ["0"] * 7),
)
T4_VALUES = ["2", "2", "0", "0", "4", "0", "1", "0", "1", "2", "1", "0", "0", "0", "1"]


def _borders(table) -> None:
    """Single ruled borders on every cell (pdfplumber finds tables by their lines)."""
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "6")
        el.set(qn("w:color"), "000000")
        borders.append(el)
    tbl_pr.append(borders)


def _table(doc, rows: int, widths_cm: list[float]):
    table = doc.add_table(rows=rows, cols=len(widths_cm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _borders(table)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm):
            cell.width = Cm(width)
    return table


def _set(cell, text: str) -> None:
    cell.text = text
    for paragraph in cell.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(9)


def build_docx(path: Path) -> None:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(10.5)
    style.font.name = "WenQuanYi Micro Hei"
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "WenQuanYi Micro Hei")
    doc.add_paragraph("河北省教育厅2022年政府信息公开工作年度报告")
    doc.add_paragraph("本报告依照条例编写，数据统计期限从2022年1月1日起至2022年12月31日止。")
    doc.add_paragraph("一、总体情况")
    doc.add_paragraph("全年通过门户网站主动公开政务信息，依申请公开按时办结。")
    doc.add_paragraph("二、主动公开政府信息情况")
    t2 = [("第二十条第（一）项",), ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
          ("规章", "0", "0", "0"), ("行政规范性文件", "5", "17", "159"),
          ("第二十条第（五）项",), ("信息内容", "本年处理决定数量"), ("行政许可", "6267"),
          ("第二十条第（六）项",), ("信息内容", "本年处理决定数量"), ("行政处罚", "0"), ("行政强制", "0"),
          ("第二十条第（八）项",), ("信息内容", "本年收费金额（单位：万元）"), ("行政事业性收费", "465.74")]
    table = _table(doc, len(t2), [1.6, 2.2, 2.2, 2.2])  # a narrow label column: labels wrap
    for r, values in enumerate(t2):
        cells = table.rows[r].cells
        if len(values) == 1:
            cells[0].merge(cells[3])
        elif len(values) == 2:
            cells[1].merge(cells[3])
        for c, text in enumerate(values):
            _set(table.rows[r].cells[c], text)
    doc.add_paragraph("三、收到和处理政府信息公开申请情况")
    # columns: block label (one character wide) | item | sub-item | 7 values
    widths = [0.7, 1.6, 2.4] + [1.1] * 7
    table = _table(doc, 3 + len(T3_ROWS), widths)
    rows = table.rows
    rows[0].cells[0].merge(rows[2].cells[2])
    _set(rows[0].cells[0], "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")
    rows[0].cells[3].merge(rows[0].cells[9])
    _set(rows[0].cells[3], "申请人情况")
    rows[1].cells[3].merge(rows[2].cells[3])
    _set(rows[1].cells[3], "自然人")
    rows[1].cells[4].merge(rows[1].cells[8])
    _set(rows[1].cells[4], "法人或其他组织")
    rows[1].cells[9].merge(rows[2].cells[9])
    _set(rows[1].cells[9], "总计")
    for c, text in zip(range(4, 9), ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")):
        _set(rows[2].cells[c], text)
    first_result = next(i for i, r in enumerate(T3_ROWS) if r[0].startswith("（一）"))
    last_result = next(i for i, r in enumerate(T3_ROWS) if r[0].startswith("（七）"))
    block = rows[3 + first_result].cells[0].merge(rows[3 + last_result].cells[0])
    _set(block, "三、本年度办理结果")
    groups: dict[str, list[int]] = {}
    for i, (item, sub, values) in enumerate(T3_ROWS):
        r = 3 + i
        cells = rows[r].cells
        if first_result <= i <= last_result:
            if sub is None:
                _set(cells[1].merge(cells[2]), item)
            else:
                groups.setdefault(item, []).append(r)
                _set(cells[2], sub)
        else:
            _set(cells[0].merge(cells[2]), item)
        for c, v in enumerate(values):
            _set(rows[r].cells[3 + c], v)
    for item, rs in groups.items():
        _set(rows[rs[0]].cells[1].merge(rows[rs[-1]].cells[1]), item)
    doc.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    table = _table(doc, 4, [1.05] * 15)
    rows = table.rows
    _set(rows[0].cells[0].merge(rows[0].cells[4]), "行政复议")
    _set(rows[0].cells[5].merge(rows[0].cells[14]), "行政诉讼")
    results = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    for c, text in enumerate(results):
        _set(rows[1].cells[c].merge(rows[2].cells[c]), text)
    _set(rows[1].cells[5].merge(rows[1].cells[9]), "未经复议直接起诉")
    _set(rows[1].cells[10].merge(rows[1].cells[14]), "复议后起诉")
    for c, text in enumerate(results * 2):
        _set(rows[2].cells[5 + c], text)
    for c, v in enumerate(T4_VALUES):
        _set(rows[3].cells[c], v)
    doc.add_paragraph("五、存在的主要问题及改进情况")
    doc.add_paragraph("服务意识和公开方式仍有不足，下一年将完善制度、丰富形式。")
    doc.add_paragraph("六、其他需要报告的事项")
    doc.add_paragraph("无。")
    doc.save(path)


def main() -> int:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("LibreOffice (soffice) is needed to print the DOCX to PDF", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / OUT.with_suffix(".docx").name
        build_docx(src)
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp}/profile",
                        "--convert-to", "pdf", "--outdir", tmp, str(src)],
                       check=True, capture_output=True, timeout=180)
        shutil.copyfile(src.with_suffix(".pdf"), OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
