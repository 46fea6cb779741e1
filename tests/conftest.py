"""Shared test helpers: free ports, running the real `xxgk` command, waiting for HTTP."""
from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout}s: {last}")


def rows(db, sql: str, *params) -> list[sqlite3.Row]:
    """Query an archive file (rows addressable by column name)."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture
def run_xxgk():
    return xxgk


@contextlib.contextmanager
def running_datasette(db: Path, start_timeout: float = 60.0):
    """A real datasette process (the `xxgk serve` command line) on a free port: its URL.
    Output goes to a log file beside the archive (a full pipe would block datasette)."""
    from xxgk.serve import datasette_command

    port = free_port()
    log_path = Path(db).with_name(f"datasette-{port}.log")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(datasette_command(str(db), "127.0.0.1", port),
                                   stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + start_timeout
            while True:
                if process.poll() is not None:
                    pytest.fail(f"datasette exited with {process.returncode}: "
                                f"{log_path.read_text('utf-8', 'replace')}")
                try:
                    with urllib.request.urlopen(url + "/-/versions.json", timeout=5):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        pytest.fail("datasette did not answer in time")
                    time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
