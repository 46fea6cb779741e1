"""The allocator's free pages go back to the system (crawler/heap.py `release`, `handled`).

glibc's malloc returns memory to the system only from the top of its heaps: a long crawl's
processes free most of what they allocate, but a few survivors pin the pages around them and
the free pages between stay resident (the writer grew from ~100 to ~200 MB over a 100,000-report
crawl while its live heap stayed flat; benchmarks/scale_bench.py). The heap below is that shape:
many malloc'd blocks freed, one in fifty kept."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

FRAGMENTED = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, {repo!r})
    from crawler import heap

    def rss_mb():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS"):
                    return int(line.split()[1]) / 1024

    blocks = [bytes(2000) + bytes([i % 251]) for i in range(100_000)]  # malloc'd (> 512 bytes)
    kept = blocks[::50]
    del blocks
    before = rss_mb()
    released = heap.release()
    print(json.dumps({{"kept": len(kept), "before": before, "after": rss_mb(), "released": released}}))
""")


@pytest.mark.skipif(not Path("/proc/self/status").exists() or not sys.platform.startswith("linux"),
                    reason="reads RSS from /proc (Linux)")
def test_release_gives_freed_pages_back_to_the_system():
    import json

    out = subprocess.run([sys.executable, "-c", FRAGMENTED.format(repo=str(REPO))],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    result = json.loads(out)
    assert result["kept"] == 2000
    assert result["released"] is True
    # ~200 MB allocated, 2,000 blocks of 2 KB kept (at most ~8 MB of pages, one each): most of
    # the freed pages were resident before release() and are not after it
    assert result["before"] - result["after"] > 100, result


def test_handled_releases_once_every_release_every_calls(monkeypatch):
    from crawler import heap

    calls = []
    monkeypatch.setattr(heap, "release", lambda: calls.append(1) or True)
    monkeypatch.setattr(heap, "_handled", [0])
    assert not any(heap.handled() for _ in range(heap.RELEASE_EVERY - 1))
    assert heap.handled() is True
    assert not any(heap.handled() for _ in range(heap.RELEASE_EVERY - 1))
    assert heap.handled() is True
    assert len(calls) == 2
