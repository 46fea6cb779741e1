"""Earlier versions compressed (issue #17), and migration 5 that compresses them in place.

A report's earlier versions are read rarely (the versions list, a diff, an export) and never
searched, so their JSON is kept zlib-compressed in `version_store.data_zlib`, with its length
in `data_size`: about a fifth of the text. zlib because it is in Python's standard library (no
new dependency for every machine that opens an archive) and because SQLite's own shell has the
matching function built in: `sqlar_uncompress(blob, size)` (zlib's compress() format, the blob
as it is when `size` equals its length). The `report_versions` view calls it, so the sqlite3
shell reads the view as it is; xxgk registers the same function on every connection it opens
(`register`: the archive writer, migrations, export, the datasette plugin). A Python client
of its own calls `storage.versions.register(conn)` first.
"""
from __future__ import annotations

import json
import sqlite3
import zlib
from typing import Callable, Optional

import sqlite_utils

from storage.content import content_hash_of

CHUNK = 500  # versions per committed transaction of migration 5
FUNCTION = "sqlar_uncompress"


def pack(text: str) -> tuple[bytes, int]:
    """(blob, size) for version_store.data_zlib / data_size: compressed unless that is no smaller
    (then the UTF-8 bytes, and size = their length, as the sqlite3 shell's sqlar_compress does)."""
    raw = text.encode("utf-8")
    packed = zlib.compress(raw, 9)
    return (packed, len(raw)) if len(packed) < len(raw) else (raw, len(raw))


def unpack(blob: Optional[bytes], size: Optional[int]) -> Optional[bytes]:
    """sqlar_uncompress(blob, size) as SQLite's shell defines it: blob as is when size <= 0 or
    equals its length, else its zlib-inflated bytes."""
    if blob is None:
        return None
    if size is None or size <= 0 or size == len(blob):
        return bytes(blob)
    return zlib.decompress(blob)


def register(conn: sqlite3.Connection) -> None:
    """The function the report_versions view needs, on this connection."""
    conn.create_function(FUNCTION, 2, unpack, deterministic=True)


def compress_versions(db: sqlite_utils.Database,
                      progress: Callable[[str], None] = lambda line: None) -> dict[str, int]:
    """Migration 5: every version JSON stored as text (earlier versions, and the few current ones
    the rows cannot rebuild) compressed into data_zlib, in committed chunks; resumable (what is
    left is what still has data_json). Each is verified before its text is dropped: the bytes
    read back are the text, and its content hash is the version's."""
    conn = db.conn
    register(conn)
    total = conn.execute("select count(*) from version_store where data_json is not null").fetchone()[0]
    done = 0
    while True:
        rows = conn.execute("select rowid, report_id, version, data_json from version_store "
                            f"where data_json is not null order by rowid limit {CHUNK}").fetchall()
        if not rows:
            break
        with db.atomic():
            for rowid, report_id, version, text in rows:
                before = content_hash_of(json.loads(text))
                blob, size = pack(text)
                conn.execute("update version_store set data_zlib = ?, data_size = ?, data_json = null "
                             "where rowid = ?", [blob, size, rowid])
                back = conn.execute("select data_json from report_versions where report_id = ? and version = ?",
                                    [report_id, version]).fetchone()
                if back is None or back[0] != text or content_hash_of(json.loads(back[0])) != before:
                    raise VersionMismatch(
                        f"version {version} of report {report_id} does not read back as stored after "
                        f"compression: the archive is left as it was at that version")
                done += 1
        progress(f"xxgk: {done:,} / {total:,} stored versions compressed and verified")
    return {"versions": done}


class VersionMismatch(Exception):
    """A compressed version reads back with other content: nothing more is done."""
