"""The archive: its schema, the writer, the search index and the queries on it (SQLite)."""
