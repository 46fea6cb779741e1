"""The README's backup commands (*Upgrades and backups*), run as written with the archive's
folder and the backup folder moved into a temporary one: SQLite's online backup of archive.db
taken while another connection holds a write transaction open, then the captures and the
attachments copied with rsync. The copy is a working archive: same rows, integrity ok, and
`xxgk capture` gives the same original bytes from it."""
from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess

import pytest

from conftest import REPO, free_port, rows, xxgk
from xxgk.portal import build_demo_portal, serve_portal


def readme_backup_commands() -> str:
    text = (REPO / "README.md").read_text("utf-8")
    section = text[text.index("### Upgrades and backups"):]
    blocks = re.findall(r"```sh\n(.*?)```", section[section.index("Backups:"):], re.S)
    assert blocks, "the README shows no backup commands"
    return blocks[0]


def test_the_readme_backup_gives_a_working_copy_while_the_archive_is_being_written(tmp_path):
    for tool in ("sqlite3", "rsync"):
        if not shutil.which(tool):
            pytest.skip(f"no {tool} command (make system-deps installs it)")
    live, backup = tmp_path / "srv" / "xxgk", tmp_path / "backup" / "xxgk"
    live.mkdir(parents=True)
    backup.mkdir(parents=True)
    db = live / "archive.db"
    portal = build_demo_portal(n_reports=4)
    with serve_portal(portal, port=free_port()) as base:
        done = xxgk("crawl", "--url", base + portal.start_paths[0], "--db", str(db), "-q")
    assert done.returncode == 0, done.stderr
    commands = readme_backup_commands()
    assert "/srv/xxgk/archive.db" in commands and ".backup" in commands and "rsync" in commands
    script = commands.replace("/srv/xxgk", str(live)).replace("/backup/xxgk", str(backup))
    writer = sqlite3.connect(db)   # a crawl in the middle of a batch
    writer.execute("begin immediate")
    writer.execute("update crawl_runs set errors = errors where id = 1")
    try:
        run = subprocess.run(["sh", "-e", "-c", script], capture_output=True, text=True, timeout=120)
    finally:
        writer.rollback()
        writer.close()
    assert run.returncode == 0, run.stderr
    copy = backup / "archive.db"
    assert rows(copy, "pragma integrity_check")[0][0] == "ok"
    for table in ("reports", "cells", "report_versions", "fetches", "crawl_runs"):
        assert rows(copy, f"select count(*) from {table}")[0][0] == rows(db, f"select count(*) from {table}")[0][0]
    assert sorted(p.name for p in (backup / "archive.warc").iterdir()) == sorted(
        p.name for p in (live / "archive.warc").iterdir())
    report = rows(db, "select id from reports limit 1")[0][0]
    original = xxgk("capture", report, "--db", str(db), "--out", str(tmp_path / "a.html"))
    restored = xxgk("capture", report, "--db", str(copy), "--out", str(tmp_path / "b.html"))
    assert original.returncode == 0 and restored.returncode == 0, restored.stderr
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
