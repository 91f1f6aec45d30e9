"""Scrapy settings for zwgk's crawler: polite by default (domain.md §3.6: a crawler hiccup must
never become a unit's deduction, and a government site must never feel our crawl).

`zwgk crawl` and `scrapy crawl disclosure` both read these; a registry's `defaults` (delay,
concurrency, user_agent, timeout, robots) override them per run.
"""

from __future__ import annotations

BOT_NAME = "zwgk"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "zwgk/0.1 (+政务公开测评; operator contact in the unit registry)"
ROBOTSTXT_OBEY = True

# Politeness: at most 2 requests in flight per host, a delay, AutoThrottle on top.
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# Scrapy runs each callback's output through CONCURRENT_ITEMS asyncio workers, started afresh for
# every response (scrapy/utils/asyncio.py `_parallel_asyncio`): the default 100 meant ~100 task
# creations per page and a quarter of the crawl's CPU. Our pipeline is synchronous, so a few do.
CONCURRENT_ITEMS = 4

DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024  # a page or attachment larger than this is a crawl issue
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024

RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
HTTPCACHE_ENABLED = False
REDIRECT_ENABLED = True
# A meta refresh is how anti-bot challenge pages (瑞数 $_ts) loop; the spider detects those itself.
# Off also spares Scrapy a charset sniff of every page that declares no charset.
METAREFRESH_ENABLED = False
# 304 answers our conditional requests; 404/403/410 must reach the link checker.
HTTPERROR_ALLOWED_CODES = [304]

SPIDER_MIDDLEWARES = {
    "crawler.middlewares.SeenArticleMiddleware": 550,
    "crawler.jobdir.ResumeFilter": 560,  # only in a resumed run (ZWGK_RESUME)
}
ITEM_PIPELINES = {
    "crawler.pipelines.StorePipeline": 300,
}
EXTENSIONS = {
    "crawler.progress.CrawlSummary": 500,
}

# zwgk's own settings
ZWGK_REGISTRY = None  # path to units.yaml (or `-a registry=…`)
ZWGK_DATABASE_URL = None  # None: ZWGK_DATABASE_URL env var, else .zwgk/zwgk.sqlite
ZWGK_FULL = False  # re-read everything (no skipping of known articles)
ZWGK_REVALIDATE = None  # file of article URLs to ask for again with validators (one per line)
ZWGK_BATCH_SIZE = 500
ZWGK_CHECK_LINKS = True
ZWGK_PROGRESS = False  # rich progress bars (set by `zwgk crawl` on a terminal)

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
