"""Datasette's own CSV download returns whole tables, past its default 100 MB cap."""
from __future__ import annotations

import json
import sqlite3
import urllib.request

from servers import running_server
from storage.archive import Archive

DEFAULT_CAP_BYTES = 100 * 1024 * 1024


def test_streamed_cells_csv_larger_than_100mb_is_complete(tmp_path):
    db = tmp_path / "archive.db"
    Archive(db).close()
    row_path = json.dumps(["三、依申请公开情况", "（三）申请答复数", "4.不同意公开答复数", "其中：涉及国家秘密"], ensure_ascii=False)
    label = "其中：涉及国家秘密" * 3
    conn = sqlite3.connect(db)
    rows = 0
    with conn:  # cells is a view over labels and cell_values (storage/schema.py)
        label_id = conn.execute("insert into labels (table_name, row_path, column_path, row_label, column_label) "
                                "values (?,?,?,?,?)", ("政府信息公开情况统计表", row_path, '["统计数"]', label,
                                                      "统计数")).lastrowid
        for batch in range(12):
            data = [(f"{batch:04x}{i:012x}", i, label_id, "件", i, str(i)) for i in range(100_000)]
            conn.executemany("insert into cell_values (report_id, seq, label_id, unit, value, raw) "
                             "values (?,?,?,?,?,?)", data)
            rows += len(data)
    conn.close()

    with running_server(db, cli=False) as base:
        size = lines = 0
        with urllib.request.urlopen(f"{base}/archive/cells.csv?_stream=on&_size=max", timeout=600) as resp:
            for line in resp:
                size += len(line)
                lines += 1
        assert size > DEFAULT_CAP_BYTES
        assert lines == rows + 1  # the header line, then every row
