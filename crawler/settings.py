"""Scrapy settings for zwgk's crawler: polite by default (docs/domain.md §3.6: a crawler hiccup must
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
# Size caps (issue 9): a page larger than DOWNLOAD_MAXSIZE — as sent, or once decompressed (a
# gzip/deflate/brotli bomb; crawler.netpolicy.CappedHttpCompressionMiddleware) — is abandoned
# and becomes a `too_large` crawl issue. A link check reads headers only (its download stops at
# them), ZWGK_LINK_MAXSIZE being the backstop.
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
ZWGK_LINK_MAXSIZE = 64 * 1024

RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Retries wait per host: Retry-After obeyed (at most ZWGK_RETRY_AFTER_MAX seconds: a longer wait
# is not retried this run), otherwise exponential backoff; see crawler/politeness.py.
ZWGK_RETRY_AFTER_MAX = 120.0
ZWGK_RETRY_BACKOFF = 1.0
ZWGK_RETRY_BACKOFF_MAX = 60.0

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
HTTPCACHE_ENABLED = False
REDIRECT_ENABLED = True
# A meta refresh is how anti-bot challenge pages (瑞数 $_ts) loop; the spider detects those itself.
# Off also spares Scrapy a charset sniff of every page that declares no charset.
METAREFRESH_ENABLED = False
# 304 answers our conditional requests; 404/403/410 must reach the link checker.
HTTPERROR_ALLOWED_CODES = [304]

# Where the crawler may go (crawler/netpolicy.py): no private, loopback, link-local… address
# unless it is a registry host's own; a page redirected out of the registry is not followed.
# The resolver checks what a host name resolves to in the lookup the connection uses.
TWISTED_DNS_RESOLVER = "crawler.netpolicy.PolicyResolver"
DOWNLOADER_MIDDLEWARES = {
    "crawler.netpolicy.AddressPolicyMiddleware": 40,  # before robots.txt (100) and everything
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.politeness.PoliteRetryMiddleware": 550,  # Retry-After and backoff, per host
    "crawler.netpolicy.RefusedLookupMiddleware": 560,  # its process_exception before retry (550)
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.netpolicy.CappedHttpCompressionMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    # loops caught (crawler.politeness), a link's hop never a dropped duplicate
    "crawler.netpolicy.LinkRedirectMiddleware": 600,
}
# Scrapy's HTTP/1.1 handler whose keep-alive pool never reuses a connection being closed: a
# link check stopped at its headers would otherwise have the next request sent twice
# (crawler/connections.py).
DOWNLOAD_HANDLERS = {
    "http": "crawler.connections.HTTPDownloadHandler",
    "https": "crawler.connections.HTTPDownloadHandler",
}
ZWGK_ALLOWED_ADDRESSES: list[str] = []  # the operator's own exceptions: exact IP addresses

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
