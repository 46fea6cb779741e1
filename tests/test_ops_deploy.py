"""Issue 15 finding 7: the service units and the cron line in the README are real files
(deploy/), checked here: hardening and failure reporting present, `systemd-analyze verify`
clean where systemd is installed, and the cron script mails (prints) only failures while
keeping a log."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, free_port
from xxgk.portal import build_demo_portal, serve_portal

DEPLOY = REPO / "deploy"
UNITS = sorted((DEPLOY / "systemd").iterdir())
SERVICES = [u for u in UNITS if u.suffix == ".service" and "@" not in u.name]


def directives(unit: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in unit.read_text("utf-8").splitlines():
        m = re.match(r"^([A-Za-z]+)=(.*)$", line)
        if m:
            out.setdefault(m.group(1), []).append(m.group(2))
    return out


def test_readme_shows_every_deploy_file_as_it_is():
    readme = (REPO / "README.md").read_text("utf-8")
    files = [p for p in DEPLOY.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"xxgk-crawl.service", "xxgk-crawl.timer", "xxgk-serve.service",
                                       "xxgk-failure@.service", "xxgk", "xxgk-crawl"}
    for path in files:
        assert f"`{path.relative_to(REPO)}`:\n\n```" in readme, path
        assert path.read_text("utf-8") in readme, f"README shows an outdated {path.name}"


@pytest.mark.parametrize("unit", SERVICES, ids=lambda p: p.name)
def test_services_run_unprivileged_hardened_and_report_failures(unit):
    d = directives(unit)
    assert d.get("User") == ["xxgk"] and d.get("Group") == ["xxgk"]
    assert d.get("TimeoutStartSec"), "a oneshot has no start limit without it"
    assert d.get("OnFailure") == ["xxgk-failure@%n.service"]
    assert d.get("ProtectSystem") == ["strict"] and d.get("ReadWritePaths") == ["/srv/xxgk"]
    # xxgk enqueue only puts crawls on the Redis queue (README: "Running on several machines")
    assert any("--db /srv/xxgk/archive.db" in e for e in d["ExecStart"]) or " enqueue " in d["ExecStart"][0]


def test_there_is_a_serve_unit_and_the_crawl_waits_for_the_lock():
    assert "xxgk serve" in directives(DEPLOY / "systemd" / "xxgk-serve.service")["ExecStart"][0]
    assert "--wait" in directives(DEPLOY / "systemd" / "xxgk-crawl.service")["ExecStart"][0]
    failure = directives(DEPLOY / "systemd" / "xxgk-failure@.service")["ExecStart"][0]
    assert "mail" in failure and "%i" in failure


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_analyze_verify(tmp_path):
    """The units as installed: paths point at this checkout and a scratch archive folder."""
    for unit in UNITS:
        text = unit.read_text("utf-8").replace("/srv/xxgk-archive", str(REPO)).replace("/srv/xxgk", str(tmp_path))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    done = subprocess.run(["systemd-analyze", "verify", *(f"./{u.name}" for u in UNITS)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    ours = [line for line in (done.stdout + done.stderr).splitlines() if "xxgk" in line]
    assert done.returncode == 0 and not ours, done.stdout + done.stderr


def _registry(path, entries):
    lines = ["portals:"]
    for pid, url in entries:
        lines += [f"  - id: {pid}", f"    name: {pid}", "    family: generic", "    level: city",
                  '    region_code: "330800"', "    status: confirmed", "    verified: 2026-12-04",
                  "    evidence: a loopback test portal", f'    start_urls: ["{url}"]']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_cron_script_prints_only_failures_and_keeps_a_log(tmp_path):
    cron = (DEPLOY / "cron" / "xxgk").read_text("utf-8")
    assert re.search(r"^MAILTO=", cron, re.M) and ">>" not in cron
    assert re.search(r"^0 3 \* \* 1\s+xxgk\s+/srv/xxgk-archive/deploy/cron/xxgk-crawl$", cron, re.M)
    script = DEPLOY / "cron" / "xxgk-crawl"
    assert os.access(script, os.X_OK) and "--wait" in script.read_text("utf-8")
    xxgk = tmp_path / "xxgk"  # the checkout's command, as .venv/bin/xxgk would be
    xxgk.write_text(f"#!/bin/sh\nexec {sys.executable} -m xxgk \"$@\"\n")
    xxgk.chmod(0o755)
    reg, log = tmp_path / "portals.yaml", tmp_path / "crawl.log"
    env = dict(os.environ, XXGK=str(xxgk), XXGK_DB=str(tmp_path / "archive.db"), XXGK_LOG=str(log),
               XXGK_REGISTRY=str(reg), PYTHONPATH=str(REPO))
    portal = build_demo_portal(n_reports=3)
    with serve_portal(portal) as base:
        _registry(reg, [("alpha", base + portal.start_paths[0])])
        ok = subprocess.run([str(script)], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0 and ok.stdout == "" and ok.stderr == "", ok.stdout + ok.stderr
    assert "alpha: finished" in log.read_text("utf-8")
    _registry(reg, [("gamma", f"http://127.0.0.1:{free_port()}/col/col1/index.html")])
    bad = subprocess.run([str(script)], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1
    assert "failed (exit 1)" in bad.stdout and "gamma: failed" in bad.stdout  # what cron mails
    logged = log.read_text("utf-8")
    assert "alpha: finished" in logged and "gamma: failed" in logged  # appended, both kept
