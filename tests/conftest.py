"""Shared test helpers: free ports, running the real `xxgk` command, querying an archive
(servers: servers.py)."""
from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

from storage import versions

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def xxgk(*args: str, timeout: float = 300, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the real command line in a subprocess (as a user or cron would)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.run(
        [sys.executable, "-m", "xxgk", *args], capture_output=True, text=True,
        timeout=timeout, cwd=cwd or REPO, env=env,
    )


def rows(db, sql: str, *params) -> list[sqlite3.Row]:
    """Query an archive file (rows addressable by column name)."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    versions.register(conn)  # the report_versions view reads compressed versions through it
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
