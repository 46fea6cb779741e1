"""Issue 15 finding 6: Scrapyd as the README documents it, with a real Scrapyd.

scrapyd and scrapyd-client are in the `test` extra (pyproject.toml), so `make install` puts them
in the venv. The test copies the package's files into a fresh checkout, starts `scrapyd` on a
free loopback port in a temporary folder, deploys with `scrapyd-deploy local -p xxgk` (the
target of scrapy.cfg; only its port is changed), and schedules a crawl of a loopback portal of
a private registry by its id alone. While the archive's lock is held (as a CLI crawl holds it)
the job waits and writes nothing; once it is free, the job crawls: the archive has the reports
with the registry's province, level and region code, the job's log has the progress line, and
the job's request queue is in its JOBDIR beside the archive. Deploying leaves nothing behind in
the checkout (no setup.py of scrapyd-deploy's, no build/, no egg-info).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, free_port, rows
from servers import stop
from xxgk.lock import archive_lock
from xxgk.portal import build_demo_portal, serve_portal

N_REPORTS = 6
PACKAGE_FILES = ("crawler", "pipelines", "storage", "xxgk", "pyproject.toml", "setup.py", "scrapy.cfg", "README.md")
BIN = Path(sys.executable).parent


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if "__pycache__" not in p.parts}


def api(base: str, path: str, data: dict | None = None) -> dict:
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    with urllib.request.urlopen(base + path, data=body, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


def job_state(base: str, job: str) -> str:
    jobs = api(base, "/listjobs.json?project=xxgk")
    for state in ("pending", "running", "finished"):
        if any(j["id"] == job for j in jobs.get(state, [])):
            return state
    return "unknown"


def wait_for(what, timeout: float, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = what()
        if value:
            return value
        time.sleep(step)
    return what()


def test_scrapyd_deploys_and_a_scheduled_job_crawls_a_registered_portal_under_the_archive_lock(tmp_path):
    for tool in ("scrapyd", "scrapyd-deploy"):
        assert (BIN / tool).exists(), f"{tool} is not installed in the venv: run 'make install' (the test extra)"
    checkout, home = tmp_path / "checkout", tmp_path / "scrapyd"
    checkout.mkdir()
    home.mkdir()
    for name in PACKAGE_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, checkout / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, checkout / name)
    port = free_port()
    cfg = (checkout / "scrapy.cfg").read_text("utf-8")
    assert "[deploy:local]" in cfg and "url = http://127.0.0.1:6800/" in cfg
    (checkout / "scrapy.cfg").write_text(cfg.replace("127.0.0.1:6800", f"127.0.0.1:{port}"), "utf-8")
    before = tree(checkout)
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = eggs\nlogs_dir = logs\n"
        "items_dir =\ndbs_dir = dbs\nmax_proc = 1\npoll_interval = 0.2\n", "utf-8")
    db, registry = tmp_path / "archive.db", tmp_path / "portals.yaml"
    portal = build_demo_portal(n_reports=N_REPORTS)
    with serve_portal(portal, delay=0.1) as portal_url:   # slow enough to stop a job midway
        start = portal_url + portal.start_paths[0]
        registry.write_text("portals:\n  - id: loop\n    name: 江澜市 loopback\n    family: generic\n"
                            f'    start_urls: ["{start}"]\n    level: city\n    region_code: "330800"\n'
                            "    status: confirmed\n    verified: 2026-12-04\n"
                            f"    evidence: a loopback demo portal at {start}\n", "utf-8")
        env = dict(os.environ, XXGK_REGISTRY=str(registry), PYTHONUNBUFFERED="1")
        log = open(home / "scrapyd.out", "wb")
        daemon = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            def up():
                try:
                    return api(base, "/daemonstatus.json").get("status") == "ok"
                except OSError:
                    assert daemon.poll() is None, (home / "scrapyd.out").read_text("utf-8", "replace")
                    return False

            assert wait_for(up, 30), "scrapyd did not answer"
            deploy = subprocess.run([str(BIN / "scrapyd-deploy"), "local", "-p", "xxgk"], cwd=checkout, env=env,
                                    capture_output=True, text=True, timeout=120)
            assert deploy.returncode == 0 and '"status": "ok"' in deploy.stdout, deploy.stdout + deploy.stderr
            assert "Error" not in deploy.stderr, deploy.stderr
            assert tree(checkout) == before, sorted(tree(checkout) ^ before)  # nothing left behind
            assert "portal" in api(base, "/listspiders.json?project=xxgk")["spiders"]

            def schedule(*settings: str) -> tuple[str, Path]:
                job = api(base, "/schedule.json", {"project": "xxgk", "spider": "portal", "portal": "loop",
                                                   "setting": [f"XXGK_DB={db}", *settings]})["jobid"]
                return job, home / "logs" / "xxgk" / "portal" / f"{job}.log"

            def finished(job: str, job_log: Path) -> None:
                assert wait_for(lambda: job_state(base, job) == "finished", 60, 0.5), job_log.read_text("utf-8")

            with archive_lock(str(db)):   # a CLI crawl is writing the archive
                job, job_log = schedule()
                waiting = wait_for(lambda: job_log.exists() and "waiting for it" in job_log.read_text("utf-8"), 30)
                assert waiting, job_log.read_text("utf-8") if job_log.exists() else job_state(base, job)
                time.sleep(1.0)
                assert job_state(base, job) == "running"
                assert not db.exists() or not rows(db, "select name from sqlite_master where name = 'crawl_runs'")
            finished(job, job_log)
            text = job_log.read_text("utf-8")
            assert "Traceback" not in text, text
            assert "Remote control" not in text and "elnet" not in text, text   # no console in a job
            assert f"[loop] pages" in text and f"reports {N_REPORTS}" in text, text   # the progress line
            assert rows(db, "select status, reports_new from crawl_runs")[0][:] == ("finished", N_REPORTS)
            places = {tuple(r) for r in rows(db, "select province, level, region_code, portal from reports")}
            assert places == {("浙江省", "city", "330800", "loop")}
            assert rows(db, "select count(*) from reports")[0][0] == N_REPORTS
            jobdir = tmp_path / "archive.jobs" / "loop"
            # the job's JOBDIR, beside the archive, removed once the job finished
            assert f"request queue kept in JOBDIR {jobdir}" in text, text
            assert (tmp_path / "archive.jobs").is_dir() and not jobdir.exists()

            # A job stopped with cancel.json (every page asked again, one at a time: slow enough)
            # keeps its JOBDIR; the next job of the portal resumes from it and marks no removal.
            stopped, stopped_log = schedule("XXGK_REFRESH_DAYS=0", "CONCURRENT_REQUESTS=1")
            assert wait_for(lambda: stopped_log.exists() and "[loop] pages" in stopped_log.read_text("utf-8"), 30)
            api(base, "/cancel.json", {"project": "xxgk", "job": stopped})
            finished(stopped, stopped_log)
            assert (jobdir / "requests.seen").stat().st_size > 0, stopped_log.read_text("utf-8")
            resumed, resumed_log = schedule("XXGK_REFRESH_DAYS=0")
            finished(resumed, resumed_log)
            assert "resuming a stopped job: no removal will be marked" in resumed_log.read_text("utf-8")
        finally:
            stop(daemon)
            log.close()
    assert [r[0] for r in rows(db, "select status from crawl_runs order by id")] == [
        "finished", "interrupted", "finished"]
    assert rows(db, "select count(*) from reports where removed_at is null")[0][0] == N_REPORTS
    assert not jobdir.exists()
