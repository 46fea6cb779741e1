"""The one way tests start the web application: a real `xxgk serve` process (or, with
`cli=False`, the bare datasette command line it runs, for archives that must be served as
they are) on a free loopback port, its output in a log file beside the archive (a full pipe
would block it), stopped whatever happens. Portals to crawl are in-process servers:
`xxgk.portal.serve_portal` and `replicas.serve_replica`."""
from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from conftest import REPO, free_port, xxgk

START_TIMEOUT = 60.0


def build_demo(path: Path) -> None:
    """The demo portal crawled into `path` by the real command line."""
    done = xxgk("demo", "--no-serve", "--db", str(path))
    assert done.returncode == 0, done.stderr


@contextlib.contextmanager
def running_server(db: Path, *, cli: bool = True, start_timeout: float = START_TIMEOUT) -> Iterator[str]:
    """The archive `db` served over HTTP: yields the base URL."""
    from xxgk.serve import datasette_command

    port = free_port()
    command = ([sys.executable, "-m", "xxgk", "serve", "--db", str(db), "--port", str(port)] if cli
               else datasette_command(str(db), "127.0.0.1", port))
    log_path = Path(db).with_name(f"serve-{port}.log")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            if process.poll() is not None:
                pytest.fail(f"{command[2]} exited with {process.returncode}: "
                            f"{log_path.read_text('utf-8', 'replace')}")
            try:
                with urllib.request.urlopen(url + "/-/versions.json", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the server did not answer within {start_timeout:.0f} s")
                time.sleep(0.2)
        yield url
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it has not ended within 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
