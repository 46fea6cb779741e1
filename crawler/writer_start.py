"""Starting the archive writer process (crawler/writer.py), with nothing but the standard library.

`xxgk crawl` starts it before it loads Scrapy (`start_early`): the writer loads its own
modules (~0.3 s) on the other core meanwhile, instead of after, while the crawl waited for it
to open the archive (crawl_bench, --timeline). `WriterProcess` takes that process (`take`) or
starts one. A process started early and never taken is stopped by `discard_early`: its pipe
closed, it exits as when a crawl process goes away, having written nothing.
"""
from __future__ import annotations

import os
import subprocess
import sys
from typing import Optional

MALLOC_ARENA_ENV, MALLOC_ARENAS = "MALLOC_ARENA_MAX", "2"  # see writer_environment
PIPE_BYTES = 1024 * 1024  # pipes to the writer and its extraction processes (Linux: most a user may ask)

# The writer's first lines: Ctrl-C and SIGTERM ignored before anything is imported (a terminal
# sends Ctrl-C to every process of the crawl; the crawl process alone decides when to stop).
_BOOT = ("import signal; signal.signal(signal.SIGINT, signal.SIG_IGN); "
         "signal.signal(signal.SIGTERM, signal.SIG_IGN); "
         "import runpy; runpy.run_module('crawler.writer', run_name='__main__', alter_sys=True)")

Started = tuple  # (Popen, fd the crawl process writes to, fd it reads from)
_EARLY: list[Started] = []


def grow_pipe(fd: int) -> None:
    """Room for a few dozen report pages (a pipe holds 64 KiB, one or two, by default)."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BYTES)
    except (OSError, ImportError, ValueError):  # not Linux, or over /proc/sys/fs/pipe-max-size
        pass


def writer_environment() -> dict[str, str]:
    """The writer's environment (its extraction process inherits it): glibc's malloc arenas
    capped (MALLOC_ARENA_MAX, unless the user set it). Its threads (the reader taking each page
    off the pipe) allocate in arenas of their own; uncapped, the crawl's processes together
    peaked 29 MB higher over 20,000 reports (scale_bench, 4 × 5,000: 325 MB against 296 MB)."""
    env = dict(os.environ)
    env.setdefault(MALLOC_ARENA_ENV, MALLOC_ARENAS)
    return env


def start() -> Started:
    to_writer_r, to_writer_w = os.pipe()
    grow_pipe(to_writer_w)  # the reactor writes without waiting for the writer's reader thread
    from_writer_r, from_writer_w = os.pipe()
    try:
        proc = subprocess.Popen([sys.executable, "-c", _BOOT, str(to_writer_r), str(from_writer_w)],
                                pass_fds=(to_writer_r, from_writer_w), stdin=subprocess.DEVNULL,
                                env=writer_environment())
    except BaseException:
        for fd in (to_writer_w, from_writer_r):
            os.close(fd)
        raise
    finally:
        os.close(to_writer_r)
        os.close(from_writer_w)
    return proc, to_writer_w, from_writer_r


def start_early() -> None:
    """Start a writer now for the crawls to come (once; errors are left for `WriterProcess`)."""
    if not _EARLY:
        try:
            _EARLY.append(start())
        except OSError:
            pass


def take() -> Optional[Started]:
    """The writer started early, if one waits (and is still alive)."""
    while _EARLY:
        started = _EARLY.pop()
        if started[0].poll() is None:
            return started
        _close(started)
    return None


def discard_early() -> None:
    """Stop a writer started early that no crawl took."""
    while _EARLY:
        _close(_EARLY.pop())


def _close(started: Started) -> None:
    proc, to_writer, from_writer = started
    os.close(to_writer)  # the writer reads the end of its pipe: it exits, having written nothing
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    os.close(from_writer)
