"""The one real report of the demo: 衢州市机关事务管理局, report year 2017.

Header fields, dates and every table value are the facts of the reference page;
the prose is a short paraphrase written for this project, not the original text.
"""
from __future__ import annotations

from datetime import date

from xxgk.portal.facts import (
    LABEL_CATEGORY, LABEL_INDEX_NO, LABEL_METHOD, LABEL_PUBLISHER, LABEL_WRITTEN, METHOD_PROACTIVE,
    REPORT_ID0, TEMPLATE, UTF8, Article, Look, ReportFacts, StatTable, art_path, arabic_date, make_cells,
)

INDEX = 0                      # position in portal.reports
ART_ID = REPORT_ID0 + INDEX
TITLE = "衢州市机关事务管理局2017年政府信息公开工作年度报告"
AGENCY = "衢州市机关事务管理局"
PUBLISHER = "市机关事务局"
INDEX_NO = "12330800002618357U/2018-103701"
CATEGORY = "2017年度"
REPORT_YEAR = 2017
WRITTEN = date(2018, 2, 28)
SIGNED = date(2018, 2, 27)
PUBLISHED = WRITTEN            # the reference shows no 发布日期; the list gives the 成文日期

# Every non-blank cell of the reference table; all other rows are blank there.
VALUES = {"proactive": 67, "ch_website": 67, "staff": 2, "staff_parttime": 2, "meetings": 1}
CUMULATIVE_ITEMS = 1276        # 累计主动公开, stated in the prose only

_INTRO = ("依照《中华人民共和国政府信息公开条例》，现将衢州市机关事务管理局2017年度政府信息公开工作情况"
          "报告如下。对报告内容如有疑问，可向局办公室咨询。")
_SECTIONS = (
    ("一、政府信息公开工作开展情况", (
        "2017年，市机关事务局结合全年机关事务管理任务推进政府信息公开，成立了由主要负责人牵头的工作领导小组，"
        "由办公室指定专人负责信息的梳理、发布和统计报送。",
        "公开工作主要依托市政府门户网站的部门信息公开栏目，局门户网站因集约化建设于年内停止运行；"
        "同时在办公场所设置了信息公开栏，方便群众就近查阅。",
    )),
    ("二、主动公开和依申请公开等情况", (
        f"截至2017年底，本局累计主动公开政府信息{CUMULATIVE_ITEMS}条；2017年全年主动公开"
        f"{VALUES['proactive']}条，均通过政府网站发布。",
        "2017年本局没有收到公开政府信息的申请，未收取任何费用，也未发生与政府信息公开有关的行政复议或行政诉讼。",
    )),
    ("三、存在的问题和改进方向", (
        "公开工作的主动性和公开内容的深度仍需提高，相关工作机制还要进一步健全，今后将在这些方面持续改进。",
    )),
)

FACTS = ReportFacts(
    art_path=art_path(ART_ID, PUBLISHED), title=TITLE, agency=AGENCY, publisher=PUBLISHER,
    index_no=INDEX_NO, written_date=WRITTEN.isoformat(), published_date=PUBLISHED.isoformat(),
    signed_date=SIGNED.isoformat(), signed_date_text=arabic_date(SIGNED), report_year=REPORT_YEAR,
    encoding=UTF8, template=TEMPLATE, cells=make_cells(VALUES, print_zeros=False), art_id=ART_ID,
    metadata=((LABEL_INDEX_NO, INDEX_NO), (LABEL_WRITTEN, WRITTEN.isoformat()),
              (LABEL_METHOD, METHOD_PROACTIVE), (LABEL_CATEGORY, CATEGORY), (LABEL_PUBLISHER, PUBLISHER)),
)

# Laid out like the reference page: caption rows inside the table, 统 计 指 标 spaced.
ARTICLE = Article(
    art_id=ART_ID, art_path=FACTS.art_path, title=TITLE, published_date=FACTS.published_date,
    encoding=UTF8, metadata=FACTS.metadata, intro=(_INTRO,), sections=_SECTIONS,
    table=StatTable(REPORT_YEAR, FACTS.cells), signature=(AGENCY, FACTS.signed_date_text),
    look=Look(caption_in_table=True, spaced_header=True),
)
