"""Run a command in a child process and measure it: wall time and peak resident memory.

Peak RSS comes from the kernel's accounting of that one child (`os.wait4`), so earlier
children of the test process do not blur it. The child runs under an address-space ceiling
and a kill timer, so a regression fails the test instead of exhausting a shared machine.
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TIME_LIMIT_S = 30.0          # what the issue allows a hostile input
MEMORY_LIMIT_MB = 1024
KILL_AFTER_S = 90.0          # a runaway child is killed here
ADDRESS_SPACE_CEILING = 6 * 1024 ** 3


@dataclass
class Measured:
    returncode: int
    seconds: float
    peak_mb: float
    stdout: str
    stderr: str

    def bounded(self) -> bool:
        return self.seconds < TIME_LIMIT_S and self.peak_mb < MEMORY_LIMIT_MB

    def __str__(self) -> str:
        return f"exit {self.returncode}, {self.seconds:.1f} s, {self.peak_mb:.0f} MB peak RSS"


def _ceiling() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CEILING, ADDRESS_SPACE_CEILING))


def measure(args: list[str], cwd: Path, kill_after: float = KILL_AFTER_S) -> Measured:
    """Run `python -m xxgk ARGS…` and measure it."""
    out_path, err_path = cwd / f".out-{os.getpid()}", cwd / f".err-{os.getpid()}"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "xxgk", *args], cwd=REPO, env=env,
                                stdout=out, stderr=err, preexec_fn=_ceiling, start_new_session=True)
        timer = threading.Timer(kill_after, lambda: os.killpg(proc.pid, 9))
        timer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    result = Measured(proc.returncode, seconds, usage.ru_maxrss / 1024,
                      out_path.read_text("utf-8", "replace"), err_path.read_text("utf-8", "replace"))
    out_path.unlink()
    err_path.unlink()
    return result
