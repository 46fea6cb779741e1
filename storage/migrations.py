"""Archive upgrades: the schema version, the code that wrote the archive, ordered migrations.

Every command that opens an archive (crawl, serve, export, capture, reextract) calls
`upgrade` first, so an archive written by any earlier release works with this code:

1. the tables, columns and indexes of `storage/schema.py` are created when missing (a new
   column is still one line there: it needs no step here);
2. the steps of MIGRATIONS not yet applied run in order, each in its own transaction, and
   `PRAGMA user_version` (the schema version) moves to the step's number;
3. `archive_info` records the schema version and the package version of the code that last
   wrote the archive (`code_version`).

A step is for what adding a column cannot do: rebuilding an index, moving data, renaming.
Append new steps at the end, never reorder or renumber them; SCHEMA_VERSION follows.
"""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from typing import Callable, Optional, Union

import sqlite_utils

from storage.footprint import convert
from storage.rekey import rekey_reports
from storage.schema import INDEXES, STORAGE_TABLES, TABLES, VIEWS, Table
from storage.search import ensure_grams_index
from storage.versions import compress_versions, register

FTS_COLUMNS = ("title", "agency", "body_text")


@dataclass(frozen=True)
class Migration:
    number: int      # the schema version after this step
    what: str        # one line, shown while it runs
    run: Callable[..., None]  # (db) or, with progress set, (db, progress)
    progress: bool = False


class ReadOnlyArchive(Exception):
    """The archive needs an upgrade this process may not write."""


def code_version() -> str:
    """The installed package's version (pyproject.toml)."""
    try:
        from importlib.metadata import version

        return version("xxgk-archive")
    except Exception:  # running from a checkout that was never installed
        return "unknown"


def _kind(db: sqlite_utils.Database, name: str) -> Optional[str]:
    row = db.execute("select type from sqlite_master where name = ?", [name]).fetchone()
    return row[0] if row else None


def _create_table(db: sqlite_utils.Database, schema: Table) -> None:
    if not schema.without_rowid:
        db.table(schema.name).create(schema.types(), pk=schema.pk)
        return
    sql_types = {str: "TEXT", int: "INTEGER", float: "REAL", bytes: "BLOB"}
    columns = ", ".join(f"[{c.name}] {sql_types.get(c.type, c.type)}" for c in schema.columns)
    keys = (schema.pk,) if isinstance(schema.pk, str) else tuple(schema.pk or ())
    db.execute(f"CREATE TABLE [{schema.name}] ({columns}, PRIMARY KEY ({', '.join(keys)})) WITHOUT ROWID")


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create missing tables, columns, views, indexes and the FTS indexes; safe on every open.

    A view of TABLES (cells, report_versions) is created only where no table of its name is
    left: an archive written before migration 4 keeps its tables until that step converts them."""
    register(db.conn)  # the report_versions view reads compressed versions through it
    with db.atomic():
        for name, schema in {**STORAGE_TABLES, **TABLES}.items():
            kind = _kind(db, name)
            if schema.view:
                if kind is None:
                    db.execute(f"CREATE VIEW [{name}] AS {VIEWS[name]}")
                continue
            table = db.table(name)
            if kind is None:
                _create_table(db, schema)
            else:
                have = set(table.columns_dict)
                for column, col_type in schema.types().items():
                    if column not in have:
                        table.add_column(column, col_type)
        for name, cols in INDEXES:
            db.table(name).create_index(cols, if_not_exists=True)
        db.execute("CREATE UNIQUE INDEX IF NOT EXISTS [labels_key] ON [labels] (table_name, row_path, column_path)")
    if not db.table("reports_fts").exists():
        db.table("reports").enable_fts(FTS_COLUMNS, tokenize="trigram", create_triggers=True)
        narrow_update_trigger(db)
    # Short-word index for 1-2 character search terms (storage/search.py); registers the SQL
    # function its triggers call on this connection.
    ensure_grams_index(db.conn)


def narrow_update_trigger(db: sqlite_utils.Database) -> None:
    """Re-index only when indexed text changes, so updating last_seen leaves the FTS alone.

    sqlite-utils' trigger fires on every UPDATE; re-crawls then churn FTS shadow rows.
    """
    cols = ", ".join(FTS_COLUMNS)
    old = ", ".join(f"old.[{c}]" for c in FTS_COLUMNS)
    new = ", ".join(f"new.[{c}]" for c in FTS_COLUMNS)
    with db.atomic():
        db.execute("DROP TRIGGER IF EXISTS [reports_au]")
        db.execute(
            f"""CREATE TRIGGER [reports_au] AFTER UPDATE OF {cols} ON [reports] BEGIN
  INSERT INTO [reports_fts] ([reports_fts], rowid, {cols}) VALUES('delete', old.rowid, {old});
  INSERT INTO [reports_fts] (rowid, {cols}) VALUES (new.rowid, {new});
END"""
        )


def _nothing(db: sqlite_utils.Database) -> None:
    """Version 1 is the first layout: ensure_schema builds it."""


def _grams_without_columnsize(db: sqlite_utils.Database) -> None:
    ensure_grams_index(db.conn)  # rebuilds an index of the first layout (~15 s per 100k reports)


def _canonical_ids(db: sqlite_utils.Database) -> None:
    """Ids of the earlier rules kept https, www. and tracking parameters apart: re-key them
    (storage/rekey.py; plain http addresses keep their ids)."""
    with db.atomic():
        rekey_reports(db, reason="migration 3: canonical URLs")


def _compressed_versions(db: sqlite_utils.Database, progress: Callable[[str], None]) -> None:
    """The view as this code defines it (it reads data_zlib), then every stored JSON compressed
    (storage/versions.py)."""
    with db.atomic():
        db.execute("DROP VIEW IF EXISTS [report_versions]")
        db.execute(f"CREATE VIEW [report_versions] AS {VIEWS['report_versions']}")
    compress_versions(db, progress)


# The ordered steps. Append only.
MIGRATIONS: list[Migration] = [
    Migration(1, "the first archive layout", _nothing),
    Migration(2, "short-word index that datasette can count (rebuilt once)", _grams_without_columnsize),
    Migration(3, "report ids from canonical URLs (https, www. and tracking parameters folded); old ids kept "
              "in report_ids", _canonical_ids),
    Migration(4, "compact cells and versions: label paths stored once, the current version "
              "not stored twice (every version verified; resumable)", convert, progress=True),
    Migration(5, "earlier versions compressed (zlib; every version verified; resumable)", _compressed_versions,
              progress=True),
]
SCHEMA_VERSION = MIGRATIONS[-1].number


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _missing_columns(conn: sqlite3.Connection) -> list[str]:
    missing = []
    for name, schema in {**STORAGE_TABLES, **TABLES}.items():
        have = {r[1] for r in conn.execute(f"pragma table_info([{name}])")}
        missing += [f"{name}.{c.name}" for c in schema.columns if c.name not in have]
    return missing


def needs_upgrade(conn: sqlite3.Connection) -> bool:
    """Is the archive older than this code (schema version, tables or columns)?"""
    return schema_version(conn) < SCHEMA_VERSION or bool(_missing_columns(conn))


def _record(db: sqlite_utils.Database) -> None:
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    with db.atomic():
        for key, value in (("schema_version", str(SCHEMA_VERSION)), ("code_version", code_version())):
            db.execute("insert into archive_info (key, value) values (?, ?) "
                       "on conflict(key) do update set value = excluded.value", [key, value])


def migrate(db: sqlite_utils.Database, progress: Callable[[str], None] = lambda line: None) -> list[int]:
    """Bring an open archive to SCHEMA_VERSION; the step numbers that ran."""
    before = schema_version(db.conn)
    ensure_schema(db)
    ran = []
    for step in MIGRATIONS:
        if step.number > before:
            if before:  # a new archive needs no announcement
                progress(f"xxgk: upgrading the archive: {step.number}. {step.what}")
            step.run(db, progress) if step.progress else step.run(db)
            db.execute(f"PRAGMA user_version = {step.number}")
            ran.append(step.number)
    _record(db)
    return ran


def upgrade(path: Union[str, os.PathLike], progress: Callable[[str], None] = lambda line: None,
            read_only: Optional[bool] = None) -> list[int]:
    """Migrate the archive file at `path` (it must exist) if it is older than this code; the
    step numbers that ran.

    ReadOnlyArchive, with the one line to show, when it needs an upgrade and cannot be
    written (`read_only`: default, when the file or its folder is not writable)."""
    path = os.fspath(path)
    if read_only is None:
        folder = os.path.dirname(os.path.abspath(path))
        read_only = not (os.access(path, os.W_OK) and os.access(folder, os.W_OK))
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    register(conn)  # reading the report_versions view's columns prepares it
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        is_archive = conn.execute("select 1 from sqlite_master where name = 'reports'").fetchone()
        stale = bool(is_archive) and needs_upgrade(conn)
        found = schema_version(conn)
    finally:
        conn.close()
    if not stale:
        return []
    refusal = ReadOnlyArchive(
        f"{path} has schema version {found}, this code needs {SCHEMA_VERSION}, and it cannot be "
        f"written here: run 'xxgk migrate --db {path}' as a user who may write it")
    if read_only:
        raise refusal
    try:
        db = sqlite_utils.Database(path)
        db.execute("PRAGMA busy_timeout = 10000")
        try:
            return migrate(db, progress)
        finally:
            db.close()
    except sqlite3.OperationalError as exc:
        if "readonly" in str(exc) or "read-only" in str(exc):
            raise refusal from None
        raise
