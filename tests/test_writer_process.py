"""The archive writer process (crawler/writer.py): `xxgk crawl` extracts and stores in a
second process. Killed mid-crawl, it loses nothing the archive had, marks nothing removed,
the user reads one line saying so, and the next crawl carries on to the same archive as an
uninterrupted one. Real crawls of a real loopback portal; the writer really killed."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, xxgk
from conftest import rows as q
from xxgk.portal import build_demo_portal, serve_portal

N_REPORTS = 1000
COLUMN = build_demo_portal(n_reports=1).start_paths[0]


def snapshot(db):
    reports = {(r["id"], r["content_sha256"], r["version"]) for r in q(db, "select id, content_sha256, version from reports")}
    cells = {tuple(r) for r in q(db, "select report_id, table_name, row_path, column_path, value, raw from cells")}
    return reports, cells


def crawl(start, db, *extra):
    result = xxgk("crawl", "--url", start, "--db", str(db), *extra)
    assert result.returncode == 0, result.stderr
    return result


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def writer_of(pid: int) -> int | None:
    """The archive writer process among the children of `pid`."""
    for child in children(pid):
        try:
            if b"crawler.writer" in Path(f"/proc/{child}/cmdline").read_bytes():
                return child
        except OSError:
            continue
    return None


def extraction_of(pid: int) -> int | None:
    """The writer's extraction process (a multiprocessing child of the writer)."""
    writer = writer_of(pid)
    for child in children(writer) if writer else []:
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():  # not the resource tracker
                return child
        except OSError:
            continue
    return None


def kill_writer_mid_crawl(start, db, ready, *extra, target=writer_of) -> subprocess.CompletedProcess:
    """Crawl; once `ready(db)` holds, SIGKILL the writer process (or `target(crawl pid)`); the
    crawl's result."""
    proc = subprocess.Popen([sys.executable, "-m", "xxgk", "crawl", "--url", start, "--db", str(db), "-q", *extra],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
            try:
                if ready(db):
                    break
            except sqlite3.Error:
                continue
        assert proc.poll() is None, "the crawl finished before its writer could be killed: use a larger portal"
        victim = target(proc.pid)
        assert victim is not None, f"no {target.__name__} process"
        os.kill(victim, signal.SIGKILL)
        _out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, "", err)


def assert_one_clear_line(result):
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    said = [line for line in result.stderr.splitlines() if "archive writer process stopped" in line]
    assert len(said) == 1, result.stderr
    assert "killed by signal SIGKILL" in said[0] and "fetched again by the next run" in said[0]


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """(start URL, the archive of an uninterrupted crawl) of a portal served for the module."""
    full_db = tmp_path_factory.mktemp("full") / "full.db"
    with serve_portal(build_demo_portal(n_reports=N_REPORTS)) as base:
        start = base + COLUMN
        crawl(start, full_db)
        yield start, full_db


def test_killed_writer_loses_nothing_and_says_so_in_one_line(portal, tmp_path):
    start, full_db = portal
    db = tmp_path / "a.db"
    # First crawl of a fresh archive, its writer killed after some reports were committed.
    result = kill_writer_mid_crawl(start, db, lambda d: q(d, "select count(*) n from reports")[0]["n"] >= 200)
    assert_one_clear_line(result)
    stored = q(db, "select count(*) n from reports")[0]["n"]
    assert 0 < stored < N_REPORTS
    assert [r["status"] for r in q(db, "select status from crawl_runs order by id")] == ["failed"]
    crawl(start, db)  # resumes: what was not committed is fetched again
    assert snapshot(db) == snapshot(full_db)
    assert q(db, "select count(*) n from reports where removed_at is null")[0]["n"] == N_REPORTS

    # A re-crawl that reads every page again, killed: nothing lost, nothing marked removed.
    runs = q(db, "select count(*) n from crawl_runs")[0]["n"]
    result = kill_writer_mid_crawl(
        start, db, lambda d: q(d, "select count(*) n from fetches where status = 304")[0]["n"] > 0,
        "--refresh-days", "0")
    assert_one_clear_line(result)
    assert q(db, "select status from crawl_runs order by id desc limit 1")[0]["status"] == "failed"
    assert q(db, "select count(*) n from crawl_runs")[0]["n"] == runs + 1
    assert q(db, "select count(*) n from reports where removed_at is null")[0]["n"] == N_REPORTS
    assert snapshot(db) == snapshot(full_db)


def test_killed_extraction_process_the_writer_extracts_itself(portal, tmp_path):
    start, full_db = portal
    db = tmp_path / "a.db"
    result = kill_writer_mid_crawl(start, db, lambda d: q(d, "select count(*) n from reports")[0]["n"] >= 200,
                                   target=extraction_of)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    said = [line for line in result.stderr.splitlines() if "extraction process stopped" in line]
    assert len(said) == 1, result.stderr
    assert [r["status"] for r in q(db, "select status from crawl_runs")] == ["finished"]
    assert snapshot(db) == snapshot(full_db)


def test_frame_reader_reads_back_every_message_a_connection_sent():
    """The writer's reader threads read a Connection's messages many at a time (FrameReader):
    every size, split anywhere across reads, comes back whole and in order; the end is EOFError."""
    import random
    import threading
    from multiprocessing.connection import Connection

    from crawler.writer import FrameReader

    rng = random.Random(5)
    messages = [b"", b"x", rng.randbytes(16383), rng.randbytes(16385), rng.randbytes(3 * 1024 * 1024 + 7)]
    messages += [rng.randbytes(rng.randint(0, 70_000)) for _ in range(300)]
    read_fd, write_fd = os.pipe()
    sender = Connection(write_fd, readable=False)

    def send() -> None:
        for message in messages:
            sender.send_bytes(message)
        sender.close()

    thread = threading.Thread(target=send)
    thread.start()
    frames = FrameReader(read_fd)
    got = [frames.recv_bytes() for _ in messages]
    with pytest.raises(EOFError):
        frames.recv_bytes()
    thread.join()
    os.close(read_fd)
    assert got == messages


def test_extraction_processes_follow_the_environment(monkeypatch, caplog):
    from crawler.writer import EXTRACT_PROCESSES, EXTRACT_PROCESSES_ENV, extract_processes

    monkeypatch.delenv(EXTRACT_PROCESSES_ENV, raising=False)
    assert extract_processes() == EXTRACT_PROCESSES
    monkeypatch.setenv(EXTRACT_PROCESSES_ENV, "3")
    assert extract_processes() == 3
    monkeypatch.setenv(EXTRACT_PROCESSES_ENV, "0")
    assert extract_processes() == 0
    for bad in ("-1", "17", "two"):
        monkeypatch.setenv(EXTRACT_PROCESSES_ENV, bad)
        assert extract_processes() == EXTRACT_PROCESSES
    assert "not a number from 0 to 16" in caplog.text


def test_queueing_pages_for_extraction_never_waits_for_the_process():
    """The writer's main thread queues report pages for an extraction process without waiting
    for room in the pipe (a stopped process holds none), and each outcome comes back to the
    page it belongs to, in order."""
    import multiprocessing
    import pickle
    import threading

    from crawler.writer import _ExtractionProcess
    from pipelines.report import extract_bytes
    from xxgk.portal import build_demo_portal

    portal = build_demo_portal(n_reports=120)
    pages = []
    for report in list(portal.reports)[:120]:
        status, headers, body = portal.handle("GET", report.art_path, "", b"")
        pages.append((body, "http://127.0.0.1" + report.art_path, headers.get("Content-Type")))
    assert sum(len(body) for body, _, _ in pages) > 2 * 1024 * 1024  # more than the pipes hold

    worker = _ExtractionProcess(multiprocessing.get_context("spawn"))
    try:
        os.kill(worker.proc.pid, signal.SIGSTOP)
        futures: list = []
        queueing = threading.Thread(target=lambda: futures.extend(worker.submit(*page) for page in pages))
        queueing.start()
        queueing.join(timeout=30)
        stuck = queueing.is_alive()
        os.kill(worker.proc.pid, signal.SIGCONT)
        assert not stuck, "queueing pages waited for the stopped extraction process"
        titles = [pickle.loads(future.result(timeout=120))[1].title for future in futures]
        assert titles == [extract_bytes(*page).title for page in pages]
    finally:
        worker.stop()


def test_stopping_an_extraction_process_does_not_wait_for_its_queued_pages():
    """Once every run is closed nobody needs the outcomes still to come: the writer stops its
    extraction process at once, even one that is stuck (here SIGSTOPped)."""
    import multiprocessing
    import threading

    from crawler.writer import _ExtractionProcess

    worker = _ExtractionProcess(multiprocessing.get_context("spawn"))
    os.kill(worker.proc.pid, signal.SIGSTOP)
    futures = [worker.submit(b"<html><title>x</title></html>" * 2000, f"http://127.0.0.1/{i}.html", "text/html")
               for i in range(100)]
    stopping = threading.Thread(target=worker.stop)
    stopping.start()
    stopping.join(timeout=30)
    stuck = stopping.is_alive()
    if stuck:
        os.kill(worker.proc.pid, signal.SIGCONT)
        stopping.join()
    assert not stuck, "stop() waited for a stuck extraction process"
    assert not worker.proc.is_alive()
    assert all(future.done() for future in futures)  # failed, not left waiting


def test_a_writer_started_early_is_the_one_the_crawl_uses():
    from crawler import writer_start
    from crawler.writer import WriterProcess

    writer_start.start_early()
    early = writer_start._EARLY[-1][0]
    process = WriterProcess()
    try:
        assert process.proc is early and not writer_start._EARLY
    finally:
        process.stop()
    assert early.returncode == 0


def test_a_writer_started_early_and_never_taken_exits_having_written_nothing():
    from crawler import writer_start
    from crawler.writer import EXIT_ORPHANED

    writer_start.start_early()
    early = writer_start._EARLY[-1][0]
    writer_start.discard_early()
    assert early.returncode == EXIT_ORPHANED and not writer_start._EARLY


def test_a_crawl_that_never_starts_stops_the_writer_it_started(tmp_path, monkeypatch, capsys):
    """`xxgk crawl` starts its writer before it knows what to crawl; a refused command stops it
    (and waits for it) before it returns."""
    from crawler import writer_start
    from crawler.writer import EXIT_ORPHANED
    from xxgk.cli import main

    started = []
    start = writer_start.start
    monkeypatch.setattr(writer_start, "start", lambda: started.append(start()) or started[-1])
    assert main(["crawl", "no-such-portal", "--db", str(tmp_path / "a.db")]) != 0
    assert "no-such-portal" in capsys.readouterr().err
    assert len(started) == 1 and not writer_start._EARLY
    assert started[0][0].returncode == EXIT_ORPHANED


def test_the_crawl_queues_for_a_slow_writer_without_waiting_up_to_its_bound():
    """The reactor queues messages and a thread writes them: a writer slow to read (here
    stopped) holds the crawl back only once OUTBOX_BYTES wait, not when its pipe is full."""
    import threading

    from crawler.writer import ITEM, OUTBOX_BYTES, WriterProcess

    process = WriterProcess()
    try:
        os.kill(process.proc.pid, signal.SIGSTOP)
        page = b"x" * (256 * 1024)
        # more than the pipe holds, less than the bound; items of no open crawl: read and dropped
        queueing = threading.Thread(target=lambda: [process.send(ITEM, "no-such-crawl", page)
                                                    for _ in range(OUTBOX_BYTES // len(page) - 2)], daemon=True)
        queueing.start()
        queueing.join(timeout=10)
        assert not queueing.is_alive(), "the crawl waited for a full pipe"
        blocked = threading.Thread(target=lambda: [process.send(ITEM, "no-such-crawl", page) for _ in range(8)],
                                   daemon=True)
        blocked.start()
        blocked.join(timeout=1)
        assert blocked.is_alive(), "queued past OUTBOX_BYTES without waiting"
        os.kill(process.proc.pid, signal.SIGCONT)
        blocked.join(timeout=30)
        assert not blocked.is_alive()
    finally:
        os.kill(process.proc.pid, signal.SIGCONT)
        process.stop()
    assert process.proc.returncode == 0


def test_the_writer_runs_with_malloc_arenas_capped(monkeypatch):
    """Its extraction process inherits the environment; a value the user set is kept."""
    from crawler import writer_start

    def environ_of(proc) -> dict[str, str]:
        deadline = time.monotonic() + 10
        while True:  # empty while the new process is still being set up
            pairs = Path(f"/proc/{proc.pid}/environ").read_bytes().split(b"\0")
            environ = dict(p.decode().split("=", 1) for p in pairs if b"=" in p)
            if environ or time.monotonic() > deadline:
                return environ
            time.sleep(0.05)

    def started() -> dict[str, str]:
        proc, to_writer, from_writer = writer_start.start()
        try:
            return environ_of(proc)
        finally:
            os.close(to_writer)  # the writer exits as when its crawl went away
            os.close(from_writer)
            proc.wait(timeout=60)

    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert started().get("MALLOC_ARENA_MAX") == "2"
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert started().get("MALLOC_ARENA_MAX") == "4"
