"""The rules behind the crawl's limits, without a crawl: what "the same site" is, which
redirect is refused, how long a Retry-After may hold a page, when a walk is complete."""
from __future__ import annotations

from scrapy.http import Request

from crawler.safety import SameSiteRedirectMiddleware, origin_of, origins_of, retry_after_seconds
from crawler.walk import MAX_PLAN_PAGES, ListWalk


def test_origin_is_scheme_host_and_port():
    assert origin_of("http://A.gov.cn/x") == origin_of("http://a.gov.cn:80/y") == ("http", "a.gov.cn", 80)
    assert origin_of("https://a.gov.cn/x") == ("https", "a.gov.cn", 443)
    assert origin_of("http://a.gov.cn:8080/") != origin_of("http://a.gov.cn/")
    assert origin_of("ftp://a.gov.cn/") is None and origin_of("http://a.gov.cn:99999/") is None


def test_redirect_refusals():
    allowed = origins_of(["http://127.0.0.1:8000/col/index.html"])
    request = Request("http://127.0.0.1:8000/a.html")
    refuse = SameSiteRedirectMiddleware.refusal
    assert refuse(request, "http://127.0.0.1:8000/b.html", allowed) is None
    assert "off-site" in refuse(request, "http://127.0.0.1:8001/a.html", allowed)
    assert "off-site" in refuse(request, "https://127.0.0.1:8000/a.html", allowed)
    assert "off-site" in refuse(request, "javascript:alert(1)", allowed)
    assert "loop" in refuse(request, "http://127.0.0.1:8000/a.html", allowed)
    hop = Request("http://127.0.0.1:8000/b.html", meta={"redirect_urls": ["http://127.0.0.1:8000/a.html"]})
    assert "loop" in refuse(hop, "http://127.0.0.1:8000/a.html", allowed)
    assert refuse(hop, hop.url, allowed, followed=True) is None


def test_retry_after_forms():
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds(b"Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 60) == 60
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None


def test_walk_completeness():
    walk = ListWalk(max_pages=3)
    assert walk.ask("c", ("u1", None)) is True and walk.ask("c", ("u1", None)) is None
    assert not walk.complete()                       # u1 asked, not answered
    walk.answered(("u1", None))
    assert walk.complete()
    walk.ask("c", ("u2", None)), walk.ask("c", ("u3", None))
    assert walk.ask("c", ("u4", None)) is False      # the fourth page of a 3-page limit
    walk.answered(("u2", None)), walk.answered(("u3", None))
    assert walk.limit_hit and not walk.complete()
    empty = ListWalk()
    empty.ask("c", ("u", None)), empty.answered(("u", None))
    empty.empty += 1
    assert not empty.complete()
    assert ListWalk(max_pages=10**9).max_pages == MAX_PLAN_PAGES - 1


def test_each_column_walk_is_complete_on_its_own():
    """A portal's columns (start URLs) are judged one by one: column b's unanswered page or its
    page that named nothing leaves a's walk complete, and the whole walk incomplete."""
    walk = ListWalk()
    for column, key in (("a", ("a1", None)), ("a", ("a2", None)), ("b", ("b1", None))):
        walk.ask(column, key)
    walk.answered(("a1", None)), walk.answered(("a2", None))
    assert walk.complete("a") and not walk.complete("b") and not walk.complete()
    assert walk.column_of(("b1", None)) == "b" and not walk.complete("c")
    walk.answered(("b1", None))
    walk.nothing_listed(("b1", None))
    assert walk.complete("a") and not walk.complete("b") and not walk.complete()
