"""Extraction speed per report page, and how often dateparser is called.

Pages come from the demo portal generator (rendered in memory, no HTTP). The baseline,
run in the same process on the same pages, is lxml parsing the page and nothing else:
the floor any HTML extraction pays. Printed: median and p99 per page in ms, each as a
ratio to the baseline, and dateparser calls per report.

    .venv/bin/python benchmarks/extract_bench.py [--reports 500] [--repeat 3]
"""
from __future__ import annotations

import argparse
import statistics
import time

import lxml.html

from pipelines import dates
from pipelines.decode import decode_html
from pipelines.report import extract_bytes
from xxgk.portal import build_demo_portal


def pages(n: int) -> list[tuple[str, bytes, str]]:
    portal = build_demo_portal(n_reports=n)
    out = []
    for report in list(portal.reports)[:n]:
        status, headers, body = portal.handle("GET", report.art_path, "", b"")
        assert status == 200, report.art_path
        out.append((report.art_path, body, headers.get("Content-Type", "text/html")))
    return out


def timed(fn, items, repeat: int) -> list[float]:
    best: list[float] = [float("inf")] * len(items)
    for _ in range(repeat):
        for i, item in enumerate(items):
            t0 = time.perf_counter()
            fn(item)
            best[i] = min(best[i], time.perf_counter() - t0)
    return [t * 1000 for t in best]


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    items = pages(args.reports)

    baseline = timed(lambda it: lxml.html.document_fromstring(decode_html(it[1], it[2])[0]), items, args.repeat)
    dates.reset_stats()
    results = []
    extract_ms = timed(lambda it: results.append(extract_bytes(it[1], it[0], it[2])), items, args.repeat)
    runs = len(results)
    reports = sum(r.is_report for r in results)

    b_med, b_p99 = statistics.median(baseline), p99(baseline)
    e_med, e_p99 = statistics.median(extract_ms), p99(extract_ms)
    print(f"pages: {len(items)} (best of {args.repeat} runs each), reports recognised: {reports // args.repeat}")
    print(f"baseline  decode+lxml parse : median {b_med:.3f} ms   p99 {b_p99:.3f} ms")
    print(f"extraction (whole report)   : median {e_med:.3f} ms   p99 {e_p99:.3f} ms")
    print(f"ratio extraction / baseline : median {e_med / b_med:.2f}x   p99 {e_p99 / b_p99:.2f}x")
    s = dates.STATS
    print(f"dates: fast path {s.fast_path / runs:.2f}/report, dateparser calls {s.dateparser_calls / runs:.3f}/report, "
          f"failures {s.failures / runs:.2f}/report")


if __name__ == "__main__":
    main()
