"""Issue 15 finding 1: a portal whose layout changes is noticed. Each run records reports
listed, new, changed, unchanged and would-be-removed; a run listing under half of the previous
complete walk, or that would remove more than 10% of its column, is `suspect`: nothing is
marked removed, the crawl exits 3 and names the portal in one line."""
from __future__ import annotations

from conftest import free_port, rows, xxgk
from xxgk.portal import build_demo_portal, serve_portal


def test_a_column_that_suddenly_lists_far_fewer_reports_is_suspect(tmp_path):
    db, port = tmp_path / "archive.db", free_port()
    full = build_demo_portal(n_reports=8)
    with serve_portal(full, port=port) as base:
        url = base + full.start_paths[0]
        first = xxgk("crawl", "--url", url, "--db", str(db), "-q")
    assert first.returncode == 0, first.stderr
    run = rows(db, "select * from crawl_runs order by id desc limit 1")[0]
    assert (run["reports_listed"], run["reports_new"], run["would_remove"], run["health"]) == (8, 8, 0, "ok")
    shrunk = build_demo_portal(n_reports=2)
    with serve_portal(shrunk, port=port) as base:
        second = xxgk("crawl", "--url", base + shrunk.start_paths[0], "--db", str(db), "-q")
    assert second.returncode == 3, second.stderr
    lines = [l for l in second.stderr.splitlines() if "suspect" in l]
    assert len(lines) == 1 and "127.0.0.1" in lines[0] and "nothing marked removed" in lines[0], second.stderr
    run = rows(db, "select * from crawl_runs order by id desc limit 1")[0]
    assert run["health"].startswith("suspect") and run["reports_listed"] == 2
    assert run["would_remove"] >= 6
    assert rows(db, "select count(*) from reports where removed_at is not null")[0][0] == 0
    health = xxgk("portals", "--health", "--db", str(db))
    assert health.returncode == 0 and "suspect" in health.stdout, health.stderr


def test_crawl_health_is_a_canned_question():
    from xxgk.serve import datasette_metadata

    queries = datasette_metadata("archive")["databases"]["archive"]["queries"]
    assert "would_remove" in queries["crawl_health"]["sql"] and "health" in queries["crawl_health"]["sql"]
