"""Search latency on a big archive: `?_search=` through search_sql and through datasette.

Builds once (cached) an archive of N synthetic reports (default 100,000) with realistic
Chinese titles, agencies, index numbers and 1-2 KB of body text, generated from word lists
with a fixed seed and inserted with sqlite-utils in big batches through the real schema
(storage.archive: trigram index, short-word index, their triggers). Then measures p50 and
p95 per query and per class (selective / broad) two ways:

- direct: storage.search.is_broad + search_sql (what search_reports runs: the `?_search=`
  clauses, ranked by bm25 where a 3+ character word allows) on one SQLite connection;
- HTTP: a real datasette (xxgk.serve.datasette_command, the project's plugin and settings)
  answering /archive/reports.json?_search=…&_size=50, plus the ranked `search` canned query.

Each figure is also printed as a ratio to a baseline run in the same process: a plain trigram
MATCH of a 3+ character word (directly: the rows of `reports` whose rowid the MATCH gives;
over HTTP: the same table page with that MATCH as `_where`, which is what datasette's own
search did). `--instr` adds the alternative of short words by instr() scans (no short-word
index) to the direct run.

`--no-trigram` asks whether the trigram index pays for itself (issue #17): the same queries
are also timed as they would run without it, every 3+ character word (index numbers too)
looked up in the short-word index by its bigrams and confirmed by an instr() scan of the
candidates (no bm25 ranking: newest first), interleaved with the runs that use it; and it
prints each index's share of the file (SQLite's dbstat).

    .venv/bin/python benchmarks/search_bench.py [--n 100000] [--db PATH] [--repeat 20]
        [--rebuild] [--no-http] [--instr] [--no-trigram]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Callable, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.archive import Archive, report_id_for  # noqa: E402
from storage import search as search_module  # noqa: E402
from storage.search import MIN_FTS_CHARS, SearchPlan, is_broad, search_sql  # noqa: E402

SEED = 20240611
YEARS = list(range(2008, 2024))

# -- word lists -------------------------------------------------------------------------------
PROVINCES = ["浙江省", "江苏省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省",
             "湖南省", "广东省", "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "河北省"]
PLACE_CHARS = ("东西南北中青山江河湖海平安宁德清远兴华新丰永和长泰康乐龙凤云阳明光金石玉林"
               "松柏桃李溪泉川峰岭原田城乡定昌盛元开化常衢杭温嘉绍台舟丽义武瑞临嵊诸建淳桐")
PLACE_SUFFIXES = ["市", "县", "区"]
DEPARTMENTS = [
    "人民政府", "人民政府办公室", "发展和改革委员会", "经济和信息化局", "教育局", "科学技术局",
    "公安局", "民政局", "司法局", "财政局", "人力资源和社会保障局", "自然资源和规划局",
    "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局",
    "文化广电旅游局", "卫生健康委员会", "退役军人事务局", "应急管理局", "审计局",
    "市场监督管理局", "统计局", "医疗保障局", "机关事务管理局", "信访局", "档案局", "体育局",
    "林业局", "气象局", "综合行政执法局", "大数据发展管理局", "民族宗教事务局", "粮食和物资储备局",
]
TOPICS = [
    "财政预算", "部门决算", "三公经费", "重大建设项目", "公共资源配置", "社会公益事业", "规划计划",
    "行政许可", "行政处罚", "权责清单", "政策解读", "食品药品监管", "安全生产", "环境保护",
    "教育招生", "医疗卫生", "社会救助", "就业创业", "养老服务", "住房保障", "征地拆迁",
    "价格收费", "扶贫救灾", "国有企业", "人事任免", "招标采购", "防汛抗旱", "交通运输",
    "城市管理", "农村改革", "乡村振兴", "营商环境", "减税降费", "政务服务", "网上办事",
    "重点项目", "审计整改", "统计数据", "人大代表建议", "政协委员提案", "文物保护", "旅游发展",
]
CHANNELS = ["政府门户网站", "政务微博", "政务微信公众号", "政府公报", "新闻发布会", "政务服务中心",
            "档案馆", "公共图书馆", "信息公开查阅点", "电子显示屏", "广播电视", "报刊"]
MEASURES = ["健全工作机制", "加强队伍建设", "完善考核评议", "规范依申请公开办理流程",
            "强化保密审查", "推进基层政务公开标准化规范化", "加强政策解读和回应关切",
            "提升政府网站建设管理水平", "加大培训力度", "落实公开属性源头认定"]
PROBLEMS = ["信息公开的及时性有待提高", "政策解读形式较为单一", "依申请公开答复质量有待提升",
            "基层政务公开工作发展不平衡", "公开内容的针对性和实用性不够", "工作人员业务能力有待加强"]
# Rare two-character words, each in a small share of reports: the selective 2-char queries.
RARE_WORDS = ["渔政", "殡葬", "蚕桑", "盐业", "侨务", "人防", "地震", "矿山", "边贸", "茶叶"]
RARE_SHARE = 0.002
COMMON_CHARS = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年"
                "动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化"
                "高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天"
                "政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向"
                "道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革"
                "位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角"
                "期根论运农指几九区强放决西被干做必战先回则任取据处府研质")


def _agencies(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(agency, 18-character unified social credit code)."""
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    while len(out) < count:
        place = rng.choice(PLACE_CHARS) + rng.choice(PLACE_CHARS) + rng.choice(PLACE_SUFFIXES)
        name = place + rng.choice(DEPARTMENTS)
        if name in seen:
            continue
        seen.add(name)
        code = "1133" + "".join(rng.choice("0123456789") for _ in range(13)) + rng.choice("ABCDEFGHJKLMNPQRTUWXY")
        out.append((name, code))
    return out


def _filler(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(COMMON_CHARS) for _ in range(n))


def _body(rng: random.Random, agency: str, year: int, province: str) -> tuple[str, dict[str, int]]:
    n = {k: rng.randint(0, 300) for k in ("proactive", "received", "completed")}
    n["reconsideration"] = rng.choice([0, 0, 0, 1, 1, 2, 3, 5])
    n["litigation"] = rng.choice([0, 0, 0, 1, 2])
    topics = rng.sample(TOPICS, 4)
    parts = [
        f"根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和{province}人民政府办公厅"
        f"有关要求，现公布{agency}{year}年度政府信息公开工作年度报告。本报告中所列数据的统计期限"
        f"自{year}年1月1日起至{year}年12月31日止。",
        f"一、总体情况。{year}年，{agency}深入贯彻落实《条例》，围绕{topics[0]}、{topics[1]}等"
        f"重点工作，{rng.choice(MEASURES)}，{rng.choice(MEASURES)}，全面推进决策、执行、管理、"
        f"服务、结果公开。",
        f"二、主动公开政府信息情况。全年主动公开政府信息{n['proactive']}条，其中通过"
        f"{rng.choice(CHANNELS)}公开{rng.randint(0, n['proactive'])}条，通过{rng.choice(CHANNELS)}"
        f"发布信息{rng.randint(1, 90)}条，重点公开了{topics[2]}、{topics[3]}等领域信息。",
        f"三、依申请公开政府信息情况。全年共收到政府信息公开申请{n['received']}件，办结"
        f"{n['completed']}件，其中同意公开{rng.randint(0, 50)}件，部分公开{rng.randint(0, 9)}件，"
        f"不予公开{rng.randint(0, 5)}件，信息不存在{rng.randint(0, 20)}件。",
    ]
    if rng.random() < 0.7:
        parts.append(f"四、因政府信息公开申请提起行政复议和行政诉讼情况。全年因政府信息公开被申请"
                     f"行政复议{n['reconsideration']}件，提起行政诉讼{n['litigation']}件，"
                     f"均已依法妥善处理。")
    else:
        parts.append("四、全年未发生因政府信息公开引起的行政争议和诉讼案件。")
    if rng.random() < 0.4:
        parts.append(f"按照要求及时公开了部门预算、决算和三公经费情况，共公开预算信息"
                     f"{rng.randint(1, 30)}条。")
    if rng.random() < RARE_SHARE * len(RARE_WORDS):
        parts.append(f"此外，公开了{rng.choice(RARE_WORDS)}工作相关信息{rng.randint(1, 9)}条。")
    parts.append(f"五、政府信息公开收费及减免情况。全年未收取任何费用。六、存在的主要问题及改进"
                 f"情况。主要问题是{rng.choice(PROBLEMS)}，{rng.choice(PROBLEMS)}。下一步将"
                 f"{rng.choice(MEASURES)}，{rng.choice(MEASURES)}。")
    # Free text of varied vocabulary (what the word lists do not cover), ~50-230 characters.
    for _ in range(rng.randint(2, 5)):
        parts.append(_filler(rng, rng.randint(25, 45)) + "。")
    parts.append(f"{agency}\n{year + 1}年{rng.randint(1, 3)}月{rng.randint(1, 28)}日")
    return "\n".join(parts), n


def generate(n: int, seed: int = SEED) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    agencies = _agencies(rng, max(1, n // len(YEARS) + 1))
    slots = [(a, y) for a in range(len(agencies)) for y in YEARS][:n]
    rng.shuffle(slots)  # crawl order: agencies and years mixed
    for i, (a, year) in enumerate(slots):
        agency, code = agencies[a]
        province = PROVINCES[a % len(PROVINCES)]
        body, nums = _body(rng, agency, year, province)
        url = f"https://www.example.gov.cn/art/{year + 1}/{i % 12 + 1}/1/art_{1000 + a}_{i}.html"
        yield {
            "id": report_id_for(url), "url": url, "portal": f"bench{a % 40}",
            "title": f"{agency}{year}年政府信息公开工作年度报告",
            "index_no": f"{code}/{year + 1}-{100000 + i}", "agency": agency, "publisher": agency,
            "written_date": f"{year + 1}-01-{rng.randint(10, 31):02d}",
            "published_date": f"{year + 1}-03-{rng.randint(1, 31):02d}", "signed_date": None,
            "report_year": year,
            "template": "pre2019" if year < 2019 else ("2019" if year < 2021 else "2021"),
            "body_text": body, "content_sha256": hashlib.sha256(body.encode()).hexdigest(),
            "first_seen": "2024-01-01T00:00:00Z", "last_seen": "2024-01-01T00:00:00Z",
            "version": 1, "proactive_disclosed": nums["proactive"],
            "applications_received": nums["received"],
            "applications_completed": nums["completed"],
            "reconsideration_total": nums["reconsideration"],
            "litigation_total": nums["litigation"], "fees_collected": 0, "is_report": 1,
            "cells_count": 0, "checks_count": 0, "duplicate_cells": 0,
        }


def build(path: Path, n: int) -> float:
    """Write the archive at `path` through the real schema; seconds taken."""
    t0 = time.perf_counter()
    tmp = path.with_name(path.name + ".building")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    with Archive(tmp) as archive:  # schema, both indexes and their triggers
        archive.db.execute("PRAGMA synchronous = OFF")
        archive.db.execute("PRAGMA cache_size = -200000")
        done = 0
        batch: list[dict[str, Any]] = []
        for row in generate(n):
            batch.append(row)
            if len(batch) == 5000:
                with archive.db.conn:
                    archive.db["reports"].insert_all(batch, batch_size=500)
                done += len(batch)
                batch = []
                print(f"\r  building: {done}/{n} reports, {time.perf_counter() - t0:.0f} s",
                      end="", file=sys.stderr, flush=True)
        if batch:
            with archive.db.conn:
                archive.db["reports"].insert_all(batch, batch_size=500)
        for table in ("reports_fts", "reports_grams"):  # what a long-lived archive converges to
            archive.db.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
        archive.db.conn.commit()
        archive.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        archive.db.execute("ANALYZE")
    os.replace(tmp, path)
    print(file=sys.stderr)
    return time.perf_counter() - t0


# -- measuring --------------------------------------------------------------------------------
def pick_queries(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Queries over what the archive holds (fixed by the seed)."""
    agency, index_no = conn.execute(
        "select agency, index_no from reports where rowid = (select max(rowid) / 2 from reports)"
    ).fetchone()
    rare = min(RARE_WORDS, key=lambda w: conn.execute(  # the rarest, but present
        "select count(*) from reports where rowid in (select rowid from reports_grams"
        " where reports_grams match ?)", [f'"{w.encode().hex()}"']).fetchone()[0] or 10**9)
    return {
        "selective": [agency, index_no, rare, f"{rare} 复议", f"{agency} 预算"],
        "broad": ["复议", "公开", "政府信息", "预算 复议", "行政复议 预算", "局"],
    }


BASELINE_WORD = "行政复议"
BASELINE_SQL = ("select r.rowid, r.id, r.title, r.agency, r.body_text from reports r where"
                " r.rowid in (select rowid from reports_fts where reports_fts match ?) limit 50")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p * (len(ordered) - 1)))))]


def measure(fn: Callable[[], Any], repeat: int) -> list[float]:
    fn()  # warm the page cache and the statement cache
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def report(title: str, rows: list[tuple[str, str, list[float], Any]], baseline: list[float]) -> None:
    """Per query and class: p50 and p95, each as a ratio to the baseline's p50 and p95."""
    base, base95 = statistics.median(baseline), percentile(baseline, .95)
    print(f"\n{title}  (baseline p50 {base:.1f} ms, p95 {base95:.1f} ms)")
    print(f"  {'class':9} {'query':42} {'hits':>6} {'p50 ms':>8} {'p95 ms':>8} {'p50/b50':>9} {'p95/b95':>9}")
    by_class: dict[str, list[float]] = {}
    for klass, query, times, hits in rows:
        by_class.setdefault(klass, []).extend(times)
        p50, p95 = statistics.median(times), percentile(times, .95)
        print(f"  {klass:9} {query[:40]:42} {hits!s:>6} {p50:8.1f} {p95:8.1f} {p50 / base:9.3f} {p95 / base95:9.3f}")
    for klass, times in by_class.items():
        p50, p95 = statistics.median(times), percentile(times, .95)
        print(f"  {klass:9} {'ALL':42} {'':>6} {p50:8.1f} {p95:8.1f} {p50 / base:9.3f} {p95 / base95:9.3f}")


def run_direct(db: Path, queries: dict[str, list[str]], repeat: int, grams: bool) -> None:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    baseline = measure(lambda: conn.execute(BASELINE_SQL, [f'"{BASELINE_WORD}"']).fetchall(), repeat)
    rows = []
    for klass, qs in queries.items():
        for q in qs:
            def run(q: str = q) -> list[Any]:  # what search_reports does, minus snippets
                sql, params = search_sql(q, 50, grams, broad=is_broad(conn, q, grams))
                return conn.execute(sql, params).fetchall()
            rows.append((klass, q, measure(run, repeat), len(run())))
    how = "short-word index" if grams else "instr() scans for short words (alternative)"
    report(f"direct: is_broad + search_sql, 50 rows ranked, {how}", rows, baseline)
    conn.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.load(response)


def run_http(db: Path, queries: dict[str, list[str]], repeat: int) -> None:
    from xxgk.search_plugin import CAPPED_JSON_KEY
    from xxgk.serve import datasette_command

    port = free_port()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(datasette_command(str(db), "127.0.0.1", port), stdout=log,
                               stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/{db.stem}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                get_json(f"http://127.0.0.1:{port}/-/versions.json")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise SystemExit(f"datasette did not start: {log.read().decode(errors='replace')}")
                time.sleep(0.3)

        def table(params: dict[str, str]) -> Callable[[], Any]:
            url = f"{base_url}/reports.json?{urllib.parse.urlencode({**params, '_size': '50'})}"
            return lambda: get_json(url)

        where = f"rowid in (select rowid from reports_fts where reports_fts match '\"{BASELINE_WORD}\"')"
        baseline = measure(table({"_where": where}), repeat)
        rows = []
        for klass, qs in queries.items():
            for q in qs:
                fetch = table({"_search": q})
                data = fetch()
                hits = data.get("filtered_table_rows_count")
                if hits is None and CAPPED_JSON_KEY in data:  # a broad search: counted up to the cap
                    hits = f">{data[CAPPED_JSON_KEY]}"
                rows.append((klass, q, measure(fetch, repeat), hits))
        report("HTTP: datasette /archive/reports.json?_search=…&_size=50 (hits = count; >cap: capped, "
               "$XXGK_SEARCH_COUNT_CAP)", rows, baseline)
        rows = []
        for klass, qs in queries.items():
            for q in qs:
                url = f"{base_url}/search.json?{urllib.parse.urlencode({'q': q, '_shape': 'objects'})}"
                hits = len(get_json(url)["rows"])
                rows.append((klass, q, measure(lambda: get_json(url), repeat), hits))
        report("HTTP: ranked canned query /archive/search.json?q=… (200 rows, snippets)", rows, baseline)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def plan_without_trigram(query: str, grams: bool) -> SearchPlan:
    """The plan if there were no trigram index: a 3+ character word is looked up by its bigrams
    in the short-word index (a superset) and confirmed by an instr() scan of those candidates."""
    plan = SearchPlan(search_module.split_terms(query))
    for term in plan.terms:
        if len(term) >= MIN_FTS_CHARS:
            plan.gram_terms.extend(term[i:i + 2] for i in range(len(term) - 1)
                                   if search_module.gram_expression(term[i:i + 2]) is not None)
            plan.instr_terms.append(term)
        elif search_module.gram_expression(term) is not None:
            plan.gram_terms.append(term)
        else:
            plan.instr_terms.append(term)
    return plan


def run_trigram_or_not(db: Path, queries: dict[str, list[str]], repeat: int) -> None:
    """Each query with the trigram index and without it, interleaved (best-effort fair under
    load), p50 and p95 of each, and each index's share of the file."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    sizes = dict(conn.execute("select name, sum(pgsize) from dbstat group by name"))
    total = sum(sizes.values())
    for prefix in ("reports_fts", "reports_grams"):
        size = sum(v for k, v in sizes.items() if k.startswith(prefix))
        print(f"{prefix}*: {size / 2**20:.1f} MiB, {size / total:.1%} of {total / 2**20:.1f} MiB")
    planner = search_module._plan_search

    def run(q: str, trigram: bool) -> list[Any]:
        search_module._plan_search = planner if trigram else plan_without_trigram
        try:
            sql, params = search_sql(q, 50, True, broad=is_broad(conn, q, True))
            return conn.execute(sql, params).fetchall()
        finally:
            search_module._plan_search = planner

    print(f"\nwith / without the trigram index (direct, 50 rows; {repeat} runs each, interleaved)")
    print(f"  {'class':9} {'query':24} {'hits':>9} {'p50 ms':>8} {'p95 ms':>8} {'no-tri p50':>11} "
          f"{'no-tri p95':>11} {'p50 ratio':>10}")
    for klass, qs in queries.items():
        for q in qs:
            with_, without = [], []
            run(q, True), run(q, False)  # warm
            for _ in range(repeat):
                for trigram, times in ((True, with_), (False, without)):
                    t0 = time.perf_counter()
                    run(q, trigram)
                    times.append((time.perf_counter() - t0) * 1000)
            hits = f"{len(run(q, True))}/{len(run(q, False))}"
            a, b = statistics.median(with_), statistics.median(without)
            print(f"  {klass:9} {q[:22]:24} {hits:>9} {a:8.1f} {percentile(with_, .95):8.1f} {b:11.1f} "
                  f"{percentile(without, .95):11.1f} {b / a:10.2f}")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="reports to generate")
    parser.add_argument("--db", type=Path, help="archive to build or reuse (default: in the temp dir)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per query")
    parser.add_argument("--rebuild", action="store_true", help="build even if the file exists")
    parser.add_argument("--no-http", action="store_true", help="skip the datasette run")
    parser.add_argument("--instr", action="store_true", help="also time short words by instr() scans")
    parser.add_argument("--no-trigram", action="store_true",
                        help="also time the queries without the trigram index, and print index sizes")
    args = parser.parse_args()

    db = args.db or Path(tempfile.gettempdir()) / "xxgk-search-bench" / f"archive-{args.n}.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    if args.rebuild or not db.exists():
        print(f"building {db} ({args.n} reports) …", file=sys.stderr)
        seconds = build(db, args.n)
        print(f"built in {seconds:.0f} s")
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    count = conn.execute("select count(*) from reports").fetchone()[0]
    body = conn.execute("select avg(length(cast(body_text as blob))) from reports").fetchone()[0]
    queries = pick_queries(conn)
    conn.close()
    print(f"archive {db}: {count} reports, body {body:.0f} bytes on average, "
          f"{db.stat().st_size / 2**20:.0f} MiB")
    run_direct(db, queries, args.repeat, grams=True)
    if args.instr:
        run_direct(db, queries, args.repeat, grams=False)
    if args.no_trigram:
        run_trigram_or_not(db, queries, args.repeat)
    if not args.no_http:
        run_http(db, queries, args.repeat)


if __name__ == "__main__":
    main()
