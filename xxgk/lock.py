"""One writer per archive (storage/lock.py): `xxgk crawl`, `reextract` and `migrate` take it;
a crawl Scrapy starts itself (Scrapyd) takes the same one (crawler/scrapyd.py)."""
from storage.lock import ArchiveBusy, archive_lock

__all__ = ["ArchiveBusy", "archive_lock"]
