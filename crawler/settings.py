"""Scrapy settings: polite defaults for real government portals.

Real portals are slow, shared public services: obey robots.txt, few requests per
domain, AutoThrottle on, an honest User-Agent naming the project. The bundled demo
portal (loopback) lifts these explicitly in `xxgk demo` (see LOCAL_PORTAL_SETTINGS).
"""
BOT_NAME = "xxgk"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "xxgk-archive/0.1 (archival crawler of government information-disclosure annual reports; polite, obeys robots.txt)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
RETRY_TIMES = 2
TELNETCONSOLE_ENABLED = False
COOKIES_ENABLED = False
LOG_LEVEL = "WARNING"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
# Attachments and pages larger than this are recorded as errors, not loaded.
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024

ITEM_PIPELINES = {"pipelines.store.ArchivePipeline": 300}

# Where the archive goes and what the portal is called; the CLI sets both.
XXGK_DB = "archive.db"
XXGK_PORTAL = None
XXGK_PROGRESS = True

# What `xxgk demo` / tests use against a portal on 127.0.0.1 (never for real sites).
LOCAL_PORTAL_SETTINGS = {
    "ROBOTSTXT_OBEY": True,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "RETRY_TIMES": 0,
}
