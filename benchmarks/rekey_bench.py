"""Migration 3 (storage/rekey.py) on 100,000 reports with https www. URLs (each with 20 cells), timed.

Run: .venv/bin/python benchmarks/rekey_bench.py"""
import os, sys, tempfile, time, hashlib
import sqlite_utils
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from storage.migrations import ensure_schema
from storage.rekey import rekey_reports
N = 100_000
d = tempfile.mkdtemp()
db = sqlite_utils.Database(os.path.join(d, "a.db"))
ensure_schema(db)
def old(url): return hashlib.sha256(url.encode()).hexdigest()[:16]
with db.atomic():
    db.execute("drop trigger if exists reports_grams_ai")  # keep the build quick; the rekey updates only ids
    rows = [{"id": old(f"https://www.example{i%40}.gov.cn/art/{i}.html"), "url": f"https://www.example{i%40}.gov.cn/art/{i}.html",
             "portal": f"p{i%40}", "first_seen": "2025-01-01T00:00:00Z", "last_seen": "2025-01-02T00:00:00Z", "title": "t"} for i in range(N)]
    db["reports"].insert_all(rows, batch_size=5000)
    # cells: a view over labels and cell_values (migration 4)
    db["labels"].insert_all({"id": k + 1, "table_name": "t", "row_path": f"[{k}]", "column_path": "[]"} for k in range(20))
    db["cell_values"].insert_all(({"report_id": r["id"], "seq": k, "label_id": k + 1, "value": k}
                                  for r in rows for k in range(20)), batch_size=5000)
t = time.perf_counter()
with db.atomic():
    moved = rekey_reports(db, reason="bench")
print(f"{moved} reports re-keyed (with {20*N} cells) in {time.perf_counter()-t:.1f} s")
