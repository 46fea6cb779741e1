"""Portal families as pure functions: detection, article links and paging, on the
replicas' own pages (no sockets, no Scrapy crawl) and on small hand-written snippets."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse, Request

from crawler import families
from crawler.families import aspnet, generic, govcn, jcms, pagers, trs, yunnan
from crawler.families.base import ListLink, absolute, anchors
from crawler.spiders.portal import PortalSpider, site_of
from pipelines.decode import decode_html
from xxgk.portal import build_demo_portal
from xxgk.portal import render as demo_render
from replicas import BUILDERS, FAMILY_OF, build, key_of_url

BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def replicas():
    return {name: build(name) for name in BUILDERS}


def page(replica, key: str) -> str:
    content_type, body = replica.pages[key_of_url(key)]
    return decode_html(body, content_type)[0]


def keys(urls) -> set[str]:
    return {key_of_url(u) for u in urls}


# --- detection ------------------------------------------------------------------------

def test_detection_order_is_one_tuple_ending_in_generic():
    assert families.DETECTION_ORDER[-1] is generic
    assert set(families.NAMES) == {"jcms", "trs", "govcn", "yunnan", "aspnet", "generic"}
    assert set(FAMILY_OF.values()) == set(families.NAMES)   # every family has a replica


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_list_page_of_a_replica_is_detected_as_its_family(replicas, name):
    replica = replicas[name]
    for path in [replica.start_path] + replica.list_paths:
        assert families.detect(page(replica, path), BASE + path).NAME == FAMILY_OF[name], path


def test_demo_column_and_dataproxy_answer_are_jcms():
    portal = build_demo_portal(n_reports=40)
    column = demo_render.column_page(portal.entries(0, 15), portal.total_records)
    answer = demo_render.dataproxy_xml(portal.entries(15, 30), portal.total_records, 15)
    assert families.detect(column, BASE + portal.start_paths[0]) is jcms
    assert families.detect(answer, BASE + demo_render.PROXY_PATH) is jcms


def test_hint_is_tried_first_but_does_not_force_a_family():
    html = '<a href="./201901/t20190101_1.html">江澜市财政局2018年政府信息公开工作年度报告</a>'
    assert families.detect(html, BASE + "/x/", hint="govcn") is trs          # govcn does not match
    assert families.detect(html, BASE + "/x/", hint="trs") is trs
    assert families.detect("<p>nothing</p>", BASE + "/", hint="nonsense") is generic


# --- article links -------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["trs", "govcn", "yunnan", "aspnet"])
def test_family_lists_every_entry_of_every_list_page(replicas, name):
    """A family that knows its article URLs follows every record, report or notice (the
    pipeline decides what is a report), and nothing else: no nav, pager or column link."""
    replica = replicas[name]
    found: set[str] = set()
    for path in replica.list_paths:
        links = families.FAMILIES[FAMILY_OF[name]].list_links(page(replica, path), BASE + path)
        found |= keys(l.url for l in links if urlsplit(l.url).netloc == urlsplit(BASE).netloc)
    expected = keys(f.art_path for f in replica.reports) | keys(n.art_path for n in replica.notices)
    assert found == expected


@pytest.mark.parametrize("name", ["gbk_nocharset", "gbk_gb2312", "gbk_utf8header"])
def test_generic_finds_every_report_by_its_title_words(replicas, name):
    replica = replicas[name]
    found: set[str] = set()
    for path in replica.list_paths:
        found |= keys(l.url for l in generic.list_links(page(replica, path), BASE + path))
    assert keys(f.art_path for f in replica.reports) <= found


def test_generic_also_returns_offsite_report_links_the_spider_must_drop(replicas):
    replica = replicas["gbk_gb2312"]
    urls = {l.url for l in generic.list_links(page(replica, replica.start_path), BASE + replica.start_path)}
    assert {"http://www.lanjiang-province.example/xxgk/ndbg/2018.htm", "http://127.0.0.1:9/xxgk/ndbg/2018_shi.htm"} <= urls


def test_generic_report_link_rules():
    def link(text, title=""):
        return ListLink(BASE + "/a.htm", title or text, text)
    assert generic.is_report_link(link("江澜市财政局2018年政府信息公开工作年度报告"))
    assert generic.is_report_link(link("江澜市财政局2018年度政府信息公开工作报告"))
    assert generic.is_report_link(link("江澜市财政局2018年政务公开年报"))
    assert generic.is_report_link(link("江澜市…", "江澜市财政局2018年政府信息公开工作年度报告"))   # full title attribute
    assert generic.is_report_link(link("江澜市澜江区人力资源和社会保障局2015..."))             # cut after the year
    assert generic.is_report_link(link("江澜市审计局2013年政府信息公开工作年..."))
    assert not generic.is_report_link(link("江澜市人民政府办公室关于开展专项检查的..."))
    assert not generic.is_report_link(link("下一页"))
    assert not generic.is_report_link(link("2"))
    assert not generic.is_report_link(link("网站地图"))


def test_anchors_skip_scripts_mailto_fragments_and_honour_base():
    html = ('<html><head><base href="http://127.0.0.1:8000/col/"></head><body>'
            '<a href="javascript:__doPostBack(\'x\',\'\')">下一页</a><a href="mailto:a@b.example">信箱</a>'
            '<a href="#top">顶部</a><a href="a.htm#p2">甲</a><a href=" b.htm ">乙</a>'
            '<a href="ftp://x.example/c">丙</a><a>无</a></body></html>')
    found = anchors(html, "http://127.0.0.1:8000/other/page.htm")
    assert [(l.url, l.text) for l in found] == [("http://127.0.0.1:8000/col/a.htm", "甲"),
                                               ("http://127.0.0.1:8000/col/b.htm", "乙")]
    assert absolute("javascript:void(0)", BASE) is None
    assert absolute("../x\\y.htm", BASE + "/a/b/") == BASE + "/a/x/y.htm"


# --- paging ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_first_list_page_names_every_other_list_page(replicas, name):
    replica = replicas[name]
    start = replica.start_path
    pages = families.plan(page(replica, start), BASE + start).pages
    assert all(p.formdata is None for p in pages)
    asked = keys(p.url for p in pages) | {key_of_url(start)}
    assert keys(replica.list_paths) <= asked
    assert asked <= set(replica.pages)          # nothing that is not a page of the site


def test_trs_page_count_only_in_javascript():
    html = ('<script>var currentPage = 0;//所在页从0开始\nvar countPage = 4//共多少页\n'
            'createPageHTML(countPage, currentPage, "index", "shtml");</script>')
    urls = [p.url for p in trs.next_pages(html, BASE + "/zwgk/nb/")]          # the folder is page 0
    assert urls == [BASE + f"/zwgk/nb/index_{k}.shtml" for k in (1, 2, 3)]
    from_page_2 = [p.url for p in trs.next_pages(html, BASE + "/zwgk/nb/index_1.shtml")]
    assert from_page_2 == [BASE + "/zwgk/nb/index.shtml", BASE + "/zwgk/nb/index_2.shtml", BASE + "/zwgk/nb/index_3.shtml"]


def test_trs_literal_arguments_newer_signature_and_inline_definition():
    literal = 'createPageHTML(3, 0, "index", "htm");'
    assert [p.url for p in trs.next_pages(literal, BASE + "/a/index.htm")] == [BASE + "/a/index_1.htm", BASE + "/a/index_2.htm"]
    newer = "createPageHTML('page_div', 3, 1, 'list', 'html', 42);"
    assert [p.url for p in trs.next_pages(newer, BASE + "/a/list_1.html")] == [BASE + "/a/list.html", BASE + "/a/list_2.html"]
    inline = ("function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}\n"
              'var countPage = 2\ncreatePageHTML(countPage, 0, "index", "html");')
    assert [p.url for p in trs.next_pages(inline, BASE + "/a/")] == [BASE + "/a/index_1.html"]   # /a/ is page 0
    only_var = "var countPage = 3;"
    assert [p.url for p in trs.next_pages(only_var, BASE + "/a/index.shtml")] == [BASE + "/a/index_1.shtml", BASE + "/a/index_2.shtml"]
    assert trs.next_pages('createPageHTML(1, 0, "index", "html");', BASE + "/a/") == []


def test_trs_article_urls():
    assert trs.is_article_url(BASE + "/gk/zfxxgknb/sgxj/202201/t20220125_3147941.html")
    assert trs.is_article_url(BASE + "/gkml/gknb/202201/t20220127_34994.htm")
    assert trs.is_article_url(BASE + "/xxgk/xxgknb/201710/t20171026_1263532.shtml")
    assert not trs.is_article_url(BASE + "/gkml/gknb/index_1.html")


def test_generic_next_and_last_links_expand_to_every_page():
    html = ('<div>共 30 篇 <a href="list.asp?id=5">首页</a> 上一页 <a href="list.asp?id=5&amp;page=2">下一页</a> '
            '<a href="list.asp?id=5&amp;page=6">尾页</a> 页次：1/6页</div>')
    urls = [p.url for p in generic.next_pages(html, BASE + "/news/list.asp?id=5")]
    assert urls[:2] == [BASE + "/news/list.asp?id=5&page=2", BASE + "/news/list.asp?id=5&page=6"]
    assert set(urls) == {BASE + f"/news/list.asp?id=5&page={n}" for n in range(2, 7)}


def test_generic_page_numbers_and_count_text():
    html = "<a href='list_5_2.html'>2</a> <a href='list_5_2.html'>下一页</a> 共 9 页"
    urls = {p.url for p in generic.next_pages(html, BASE + "/a/ndbg/")}
    assert urls == {BASE + f"/a/ndbg/list_5_{n}.html" for n in range(2, 10)}
    numbers_elsewhere = "<a href='/other/list_2.html'>2</a><a href='/other/list_3.html'>3</a>"
    assert generic.next_pages(numbers_elsewhere, BASE + "/a/ndbg/") == []        # not this list's folder


def test_generic_paging_is_capped_and_never_fails():
    huge = '<a href="p_2.htm">下一页</a><a href="p_99999.htm">尾页</a>'
    urls = [p.url for p in generic.next_pages(huge, BASE + "/a/p_1.htm")]
    assert urls == [BASE + "/a/p_2.htm", BASE + "/a/p_99999.htm"]              # walked, not expanded
    for junk in ("", "<<<>>>", "\x00\x01binary", "<?xml version='1.0' encoding='gbk'?><a href='x'>下一页</a>"):
        families.plan(junk, BASE + "/")


def test_pagers_total_pages_forms():
    assert pagers.total_pages("共12条记录 第1/3页") == 3
    assert pagers.total_pages("页次：2/7页") == 7
    assert pagers.total_pages("共 5 页") == 5
    assert pagers.total_pages("第3期") is None


def test_aspnet_paging_by_page_parameter_and_postback_noise():
    html = ('<input type="hidden" name="__VIEWSTATE" value="/wEPDwUK">'
            '<a href="InfoPublic.aspx?cid=1019&amp;pid=971&amp;page=2&amp;kw=">2</a>'
            '<a href="InfoPublic.aspx?cid=1020&amp;pid=971&amp;page=1&amp;kw=">政府信息公开指南</a>'
            "<a href=\"javascript:__doPostBack('ctl00$pager','2')\">下一页</a>"
            '<a href="InfoDetail.aspx?id=58211&amp;cid=1019">江澜市统计局2013年度政府信息公开工作年度报告</a>'
            '<a href="Default.aspx">首页</a> 共12条记录 第1/4页')
    url = BASE + "/InfoPublic.aspx?cid=1019&pid=971&page=1&kw="
    assert aspnet.detect(html, url)
    pages = [p.url for p in aspnet.next_pages(html, url)]
    assert pages == [BASE + f"/InfoPublic.aspx?cid=1019&pid=971&page={n}&kw=" for n in (2, 3, 4)]
    assert [l.url for l in aspnet.list_links(html, url)] == [BASE + "/InfoDetail.aspx?id=58211&cid=1019"]
    assert aspnet.page_of(BASE + "/InfoPublic.aspx?cid=1020&pid=971&page=2&kw=", url) is None   # another column
    assert aspnet.page_of(BASE + "/infopublic.aspx?kw=&page=3&pid=971&cid=1019", url) == ("page", 3)
    assert aspnet.with_page(BASE + "/InfoPublic.aspx?cid=1019", "page", 2) == BASE + "/InfoPublic.aspx?cid=1019&page=2"


def test_govcn_and_yunnan_article_urls():
    assert govcn.is_article_url(BASE + "/zhengce/content/2018-12/29/content_5353025.htm")
    assert not govcn.is_article_url(BASE + "/zhengce/xxgknb/home_1.htm")
    assert yunnan.is_article_url(BASE + "/xxgk/01527918X/info/2020-153077.html")
    assert yunnan.is_article_url(BASE + "/gkmlpt/content/4/4437/post_4437612.html")
    assert not yunnan.is_article_url(BASE + "/zfxxgk/zfxxgknb.html?page=2")


def test_jcms_records_and_dataproxy_requests():
    portal = build_demo_portal(n_reports=40)
    column = demo_render.column_page(portal.entries(0, 15), portal.total_records)
    url = BASE + portal.start_paths[0]
    links = jcms.list_links(column, url)
    assert [l.title for l in links] == [e.title for e in portal.entries(0, 15)]     # full titles, not cut ones
    pages = jcms.next_pages(column, url)
    assert len(pages) == -(-(portal.total_records - 15) // 15)
    assert all(p.formdata and p.form["columnid"] == "1229000001" for p in pages)
    answer = demo_render.dataproxy_xml(portal.entries(15, 30), portal.total_records, 15)
    assert jcms.next_pages(answer, BASE + demo_render.PROXY_PATH) == []


# --- never a crash; fallback ------------------------------------------------------------------

def test_a_failing_family_falls_back_to_generic(monkeypatch):
    def boom(text, url):
        raise RuntimeError("family bug")
    monkeypatch.setattr(trs, "list_links", boom)
    html = ('<script>var countPage = 2</script><a href="./201901/t20190101_1.html">'
            "江澜市财政局2018年政府信息公开工作年度报告</a>")
    plan = families.plan(html, BASE + "/nb/")
    assert plan.family == "generic"
    assert [l.url for l in plan.links] == [BASE + "/nb/201901/t20190101_1.html"]


def test_a_family_that_finds_nothing_lets_generic_look():
    html = ('<input name="__VIEWSTATE" value="x"><a href="/nb/2018.htm">江澜市2018年政府信息公开工作年度报告</a>')
    plan = families.plan(html, BASE + "/List.aspx?cid=1")
    assert plan.family == "aspnet" and [l.url for l in plan.links] == [BASE + "/nb/2018.htm"]


# --- the spider stays on the start URL's site ------------------------------------------------

def test_spider_follows_only_its_own_site():
    spider = PortalSpider(start_urls=["http://127.0.0.1:8000/zwgk/nb/index.html"])
    assert spider.allowed_domains == ["127.0.0.1"]
    html = ('<a href="/zwgk/nb/2018.htm">江澜市2018年政府信息公开工作年度报告</a>'
            '<a href="http://127.0.0.1:9/zwgk/nb/2017.htm">江澜市2017年政府信息公开工作年度报告</a>'
            '<a href="http://other.example/2016.htm">江澜市2016年政府信息公开工作年度报告</a>'
            '<a href="https://127.0.0.1:8000/zwgk/nb/2015.htm">江澜市2015年政府信息公开工作年度报告</a>'
            '<a href="index_1.html">下一页</a><a href="http://other.example/index_2.html">尾页</a>')
    url = "http://127.0.0.1:8000/zwgk/nb/index.html"
    response = HtmlResponse(url, body=html.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8"},
                            request=Request(url))
    out = list(spider.parse_list(response))
    requested = sorted(r.url for r in out if isinstance(r, Request))
    # The same site is the same scheme, host and port (another scheme only when allowed).
    assert requested == ["http://127.0.0.1:8000/zwgk/nb/2018.htm", "http://127.0.0.1:8000/zwgk/nb/index_1.html"]
    assert out[0].kind == "list"
    allowing = PortalSpider(start_urls=[url], allowed_origins=["https://127.0.0.1:8000"])
    requested = sorted(r.url for r in allowing.parse_list(response) if isinstance(r, Request))
    assert "https://127.0.0.1:8000/zwgk/nb/2015.htm" in requested
    assert site_of("http://A.example:80/x") == site_of("http://a.example/y") == ("http", "a.example", 80)
    assert site_of("https://a.example/x") != site_of("http://a.example/x")
    assert site_of("javascript:void(0)") is None


def test_spider_reads_gbk_list_pages_whatever_they_declare(replicas):
    """List titles decide generic discovery: a GBK list sent as utf-8 must still read."""
    replica = replicas["gbk_utf8header"]
    spider = PortalSpider(start_urls=[BASE + replica.start_path])
    content_type, body = replica.pages[key_of_url(replica.start_path)]
    response = HtmlResponse(BASE + replica.start_path, body=body, headers={"Content-Type": content_type},
                            request=Request(BASE + replica.start_path))
    requested = keys(r.url for r in spider.parse_list(response) if isinstance(r, Request))
    on_first_page = {key_of_url(f.art_path) for f in replica.reports} & requested
    assert on_first_page, "no report link read from the mis-declared GBK list"
