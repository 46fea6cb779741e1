"""Interrupted and faulted crawls lose nothing and never claim a live report was removed.

Every test crawls a real portal (the demo generator, 1,000 reports on 67 list pages, some
of them behind the chaos portal) with the real `xxgk crawl` in a subprocess, and compares
the archive with the one an undisturbed crawl of the same portal gives.
"""
from __future__ import annotations

import os
import random
import re
import signal
import subprocess
from urllib.parse import urlsplit

import pytest

from chaos import FAILING, REASONS, Chaos, RemovedWatch, count, crawl_args, run_until, serve_chaos, snapshot
from conftest import REPO
from conftest import rows as q
from xxgk.portal import build_demo_portal, serve_portal

N_REPORTS = 1000
# Loopback crawls lift the politeness limits; faults need retries and a short timeout.
FAULT_SETTINGS = ("--set", "RETRY_TIMES=2", "--set", "DOWNLOAD_TIMEOUT=3", "--set", "XXGK_MAX_RETRY_AFTER=5")


@pytest.fixture(scope="module")
def portal():
    return build_demo_portal(n_reports=N_REPORTS)


@pytest.fixture(scope="module")
def chaos(portal):
    """The portal behind the chaos server, faults off (rate 0) unless a test turns them on:
    every archive of this module comes from one address, so report ids compare."""
    with serve_portal(portal) as mirror:   # where off-site redirects point
        chaos = Chaos(portal, rate=0.0, seed=9, offsite_base=mirror, stall_s=4.0)
        with serve_chaos(chaos) as base:
            chaos.base = base
            yield chaos


@pytest.fixture(scope="module")
def served(portal, chaos):
    return chaos.base + portal.start_paths[0]


@pytest.fixture(scope="module")
def baseline(portal, served, tmp_path_factory):
    """The archive of an undisturbed crawl: what every other archive must equal."""
    db = tmp_path_factory.mktemp("baseline") / "full.db"
    done = subprocess.run(crawl_args(served, db), cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    reports, cells = snapshot(db)
    assert len(reports) == N_REPORTS and cells
    return Baseline(reports, cells, db)


class Baseline(tuple):
    """(reports, cells) of the undisturbed crawl, and its archive to explain differences."""

    def __new__(cls, reports, cells, db):
        self = super().__new__(cls, (reports, cells))
        self.db = db
        return self

    def explain(self, db) -> str:
        """Which reports differ from the baseline, with what the archive fetched for them."""
        reports, cells = snapshot(db)
        missing = {r[0] for r in self[0]} - {r[0] for r in reports}
        changed = {r[0] for r in reports ^ self[0]} - missing
        lines = [f"{len(missing)} missing, {len(changed)} changed, cells differ: {cells != self[1]}"]
        for report_id in sorted(missing | changed)[:5]:
            (url,) = [r["url"] for r in q(self.db, "select url from reports where id = ?", report_id)] or \
                [r["url"] for r in q(db, "select url from reports where id = ?", report_id)] or ["?"]
            path = urlsplit(url).path
            fetched = [tuple(r) for r in q(db, "select url, status, error, times_seen from fetches "
                                               "where url like ?", f"%{path}")]
            lines.append(f"{report_id} {path}: {fetched}")
        return "\n".join(lines)


def finish(args, db) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    return done


def stop(proc, sig) -> int:
    proc.send_signal(sig)
    return proc.wait(timeout=60)


def test_sigkill_then_resume_loses_nothing_and_removes_nothing(served, baseline, tmp_path):
    """Finding 1: killed with SIGKILL part-way through the lists, then started again."""
    db = tmp_path / "a.db"
    with RemovedWatch(db) as watch:
        proc = run_until(crawl_args(served, db), db, stored=150)
        assert stop(proc, signal.SIGKILL) == -signal.SIGKILL
        stored = count(db, "select count(*) from reports")
        assert 0 < stored < N_REPORTS
        finish(crawl_args(served, db), db)
    assert watch.most == 0, f"{watch.most} live reports were marked removed"
    assert snapshot(db) == baseline, baseline.explain(db)


def test_sigterm_and_sigint_close_the_run_as_interrupted_then_resume(served, baseline, tmp_path):
    """Finding 2: SIGTERM exits 143 and Ctrl-C 130, each run is closed as `interrupted`
    with the pages it really fetched; the next run resumes to the full archive."""
    db = tmp_path / "a.db"
    with RemovedWatch(db) as watch:
        proc = run_until(crawl_args(served, db), db, stored=100)
        assert stop(proc, signal.SIGTERM) == 143
        with open(proc.log_path) as log:
            lines = log.read().strip().splitlines()
        assert "interrupted by SIGTERM" in lines[-1] and "Traceback" not in "".join(lines)
        (run,) = q(db, "select * from crawl_runs")
        assert run["status"] == "interrupted" and run["finished_at"]
        assert run["pages"] > 0 and run["pages"] == count(db, "select count(*) from fetches")
        assert run["reports_new"] == count(db, "select count(*) from reports")

        proc = run_until(crawl_args(served, db), db, stored=400)
        assert stop(proc, signal.SIGINT) == 130
        finish(crawl_args(served, db), db)
    assert [r["status"] for r in q(db, "select status from crawl_runs order by id")] == \
        ["interrupted", "interrupted", "finished"]
    assert watch.most == 0
    assert snapshot(db) == baseline, baseline.explain(db)


def test_random_faults_two_crawls_equal_the_fault_free_archive(chaos, served, baseline, tmp_path):
    """(a): 10% of requests faulted (every kind, fixed seed): two crawls give exactly the
    fault-free archive, and every fault left a fetches row with its reason."""
    db = tmp_path / "a.db"
    base, mirror = chaos.base, chaos.offsite_base
    chaos.log.clear()
    chaos.requests, chaos.rate = 0, 0.10
    try:
        with RemovedWatch(db) as watch:
            runs = [finish(crawl_args(served, db, *FAULT_SETTINGS), db) for _ in range(2)]
    finally:
        chaos.rate = 0.0
    errors = [line for r in runs for line in r.stderr.splitlines() if "ERROR" in line or "Traceback" in line]
    assert watch.most == 0, errors[:20]
    assert snapshot(db) == baseline, baseline.explain(db)
    kinds = {f.kind for f in chaos.log}
    assert kinds == set(FAILING) | {"charset"}, f"not every kind of fault happened: {kinds}"
    assert 0.07 < len(chaos.log) / chaos.requests < 0.13
    fetches: dict[str, list[tuple]] = {}
    for f in q(db, "select url, status, error from fetches"):
        fetches.setdefault(f["url"], []).append((f["status"], f["error"] or ""))
    for fault in chaos.log:
        found = fetches.get(base + fault.target, [])
        if fault.kind == "charset":
            assert any(status == 200 for status, _e in found), fault
        else:   # its own reason, or the client's timeout when the answer came too late to tell
            assert any(re.search(f"{REASONS[fault.kind]}|{REASONS['stall']}", error) for _s, error in found), \
                f"{fault}: {found}"
    mirror_port = str(urlsplit(mirror).port)
    assert not [u for u in fetches if urlsplit(u).port == int(mirror_port)], "an off-site redirect was followed"


def test_kill_and_sigterm_at_five_random_points_then_restart(served, baseline, tmp_path):
    """(b): SIGKILL and SIGTERM in turn at 5 random points (fixed seed) of a crawl over
    67 list pages, then a last run: the archive equals the undisturbed one, and no live
    report was marked removed at any moment."""
    db = tmp_path / "a.db"
    rng = random.Random(20261204)
    points = sorted(rng.sample(range(0, N_REPORTS - 200), 5))
    points[0] = 0   # one kill while the first lists are still being read
    signals = [signal.SIGKILL, signal.SIGTERM] * 3
    with RemovedWatch(db) as watch:
        for point, sig in zip(points, signals):
            proc = run_until(crawl_args(served, db), db, stored=point)
            code = stop(proc, sig)
            assert code == (-signal.SIGKILL if sig == signal.SIGKILL else 143), (point, sig, code)
        finish(crawl_args(served, db), db)
    assert watch.most == 0
    assert snapshot(db) == baseline, baseline.explain(db)
    statuses = [r["status"] for r in q(db, "select status from crawl_runs order by id")]
    assert statuses == ["interrupted"] * 5 + ["finished"]
    assert os.path.exists(db)
