"""Scrapy settings: polite defaults for real government portals.

Real portals are slow, shared public services: obey robots.txt, few requests per
domain, AutoThrottle on, an honest User-Agent naming the project. The bundled demo
portal (loopback) lifts these explicitly in `xxgk demo` (see LOCAL_PORTAL_SETTINGS).
"""
from scrapy.settings import default_settings as _scrapy_defaults

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
# Our pipeline is synchronous; Scrapy's asyncio scraper starts CONCURRENT_ITEMS worker tasks
# per response (default 100), which dominated re-crawls of fresh pages (measured).
CONCURRENT_ITEMS = 4
RETRY_TIMES = 2
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control: an HTTP server in every crawl process that runs Python sent to
# it (token in a file under the user's state folder). An unattended crawl needs no console.
REMOTE_CONTROL_ENABLED = False
COOKIES_ENABLED = False
LOG_LEVEL = "WARNING"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
WARN_ON_GENERATOR_RETURN_VALUE = False
FEED_EXPORT_ENCODING = "utf-8"
# Attachments and pages larger than this are recorded as errors, not loaded.
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024

ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}
# The archive's one-writer lock for crawls Scrapy starts itself (Scrapyd, `scrapy crawl`);
# `xxgk crawl` holds it itself and sets XXGK_ARCHIVE_LOCK = False (crawler/scrapyd.py).
EXTENSIONS = {"crawler.scrapyd.ArchiveLockExtension": 0}
# The two consoles, off above, are not even loaded: Scrapy imports every extension it lists to
# ask it (None in EXTENSIONS too), and theirs (aiohttp's server) took ~0.1 s of every crawl's
# start (python -X importtime).
EXTENSIONS_BASE = {name: order for name, order in _scrapy_defaults.EXTENSIONS_BASE.items()
                   if name not in ("scrapy.extensions.remote_control.RemoteControl",
                                   "scrapy.extensions.telnet.TelnetConsole")}
XXGK_ARCHIVE_LOCK = True
# Progress lines into the log (INFO) instead of the terminal: a Scrapyd job's log.
XXGK_PROGRESS_LOG = False
SPIDER_MIDDLEWARES = {
    # A listed report page archived within XXGK_REFRESH_DAYS is not requested at all.
    "crawler.incremental.FreshPagesMiddleware": 950,
}
DOWNLOADER_MIDDLEWARES = {
    # First: a redirected request (meta refresh included) that left the site is refused.
    "crawler.safety.RedirectedRequestCheck": 40,
    # Between the downloader and RedirectMiddleware (600): a 3xx answer that leads off the
    # site or back to an address of its own chain is refused before it is followed.
    "crawler.safety.SameSiteRedirectMiddleware": 650,
    # A retried request waits for the Retry-After its 429/503 asked for.
    "crawler.safety.RetryDelayMiddleware": 45,
    # Early: a fresh report page is answered from the archive and never requested.
    "crawler.incremental.IncrementalMiddleware": 50,
    # Retries are decided by the spider's errback (crawler/spiders/portal.py), so that every
    # failed attempt leaves a fetches row with its reason.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    # Next to the downloader: sees every redirect hop and the body as received.
    "crawler.warc.WarcCaptureMiddleware": 950,
}
# Resumable crawls: no request queue is kept between runs. A run that follows a killed or
# interrupted one walks the lists again from the start URLs (list pages are always re-read)
# and the incremental middleware skips report pages already archived, so pages whose
# results were not committed are fetched again instead of being lost, and the walk of
# every run is known exactly (crawler/walk.py): only a complete walk marks removals.
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

# Where the archive goes and what the portal is called; the CLI sets both.
XXGK_DB = "archive.db"
XXGK_PORTAL = None
XXGK_PROGRESS = True
# Writes buffered per crawl before a commit (crawler/pipelines.py WRITE_BATCH when unset);
# xxgk crawl divides it among the crawls running at once, so their buffers together stay
# the size of one crawl's.
XXGK_WRITE_BATCH = None
# `xxgk crawl` extracts and stores in a second process, the archive writer (crawler/writer.py),
# so that fetching and extraction use two cores; 0 keeps both on Scrapy's reactor thread.
XXGK_WRITER_PROCESS = True
XXGK_WRITER = None  # set by xxgk crawl: the writer process its crawls share
# Several crawls share the terminal (xxgk crawl runs them at once): whole progress lines only.
XXGK_PROGRESS_SHARED = False
# Report pages archived within this many days are not requested again (incremental crawls).
XXGK_REFRESH_DAYS = 7.0
# WARC captures go here (default: beside the archive, archive.db → archive.warc/).
XXGK_WARC_DIR = None
# [served origin, stored origin] for portals on ephemeral loopback ports (the demo).
XXGK_URL_ALIAS = None
# The portal's host names from the registry (`hosts:`), the first for its reports' ids: a
# report reached through another of them keeps its id (storage/identity.py).
XXGK_HOSTS = []
# {province, city, level, region_code} of the portal (from the registry), stored on reports.
XXGK_REGION = {}

# Portal health (crawler/health.py): a run listing under this fraction of the previous
# complete walk's reports, or that would mark more than this fraction of its column removed,
# is suspect and marks nothing removed. Raise them for one run to accept a real shrink.
XXGK_HEALTH_LISTED_MIN = 0.5
XXGK_HEALTH_REMOVED_MAX = 0.1

# Limits against hostile portals (README "Limits and safety"). Hitting one is recorded in
# fetches with its reason and the crawl goes on.
# List pages walked per column (start URL) in one run; past it no removal is marked.
XXGK_MAX_LIST_PAGES = 500
# Longest Retry-After (seconds) a 429/503 may ask for before the page is retried.
XXGK_MAX_RETRY_AFTER = 60.0
# Redirect hops per request (Scrapy's limit; a loop is refused at once).
REDIRECT_MAX_TIMES = 20

# What `xxgk demo` / tests use against a portal on 127.0.0.1 (never for real sites).
LOCAL_PORTAL_SETTINGS = {
    "ROBOTSTXT_OBEY": True,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "RETRY_TIMES": 0,
}
