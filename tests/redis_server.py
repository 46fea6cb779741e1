"""A real Redis server for the distributed tests: Debian's `redis-server` (installed by `make
system-deps`) on a free loopback port, its data (AOF on) in a test folder, stopped whatever
happens. No fakeredis: the streams, consumer groups, Lua scripts and persistence are Redis's."""
from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest

from conftest import free_port

START_TIMEOUT = 20.0


def die_with_parent() -> None:
    """In a child before exec (Linux): end it when the test process dies, even by SIGKILL (a
    test run killed by a timeout leaves no server or worker behind)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class RedisServer:
    def __init__(self, folder: Path, appendonly: bool = True):
        self.exe = shutil.which("redis-server")
        self.folder, self.appendonly = folder, appendonly
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        command = [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
                   "--appendonly", "yes" if self.appendonly else "no", "--save", "",
                   "--maxmemory-policy", "noeviction", "--logfile", str(self.folder / "redis.log")]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        preexec_fn=die_with_parent)
        deadline = time.monotonic() + START_TIMEOUT
        import redis

        while True:
            if self.process.poll() is not None:
                pytest.fail(f"redis-server exited with {self.process.returncode}: "
                            + (self.folder / "redis.log").read_text("utf-8", "replace")[-2000:])
            try:
                if redis.Redis.from_url(self.url, socket_timeout=2).ping():
                    return
            except redis.BusyLoadingError:
                pass
            except redis.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"redis-server did not answer within {START_TIMEOUT:.0f} s")
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM: Redis writes and syncs its AOF, then exits."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def restart(self, down_for: float = 0.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)


@contextlib.contextmanager
def redis_server(folder: Path, appendonly: bool = True) -> Iterator[RedisServer]:
    server = RedisServer(folder, appendonly)
    if server.exe is None:
        pytest.skip("redis-server is not installed (make system-deps installs it)")
    server.start()
    try:
        yield server
    finally:
        server.stop()
