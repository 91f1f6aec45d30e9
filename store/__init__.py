"""zwgk's store (存储): crawl runs, units, columns, articles, links, checks and crawl issues.

SQLAlchemy 2 + Alembic; a SQLite file by default, any SQLite/PostgreSQL URL through
``ZWGK_DATABASE_URL``. See store/README.md for the row formats and the table layout.
"""

from store.batch import BatchWriter
from store.config import ENV_VAR, database_url, make_engine
from store.core import Store, StoreUnavailable, open_store
from store.lock import CrawlLock, CrawlLocked, LockHolder
from store.migrate import downgrade, migrate
from store.reads import ARTICLE_FRAME_COLUMNS, ARTICLE_OPTIONAL_COLUMNS
from store.rows import CRAWL_ISSUE_KINDS, content_hash, gzip_page
from store.runs import RunInfo

__all__ = [
    "ARTICLE_FRAME_COLUMNS",
    "ARTICLE_OPTIONAL_COLUMNS",
    "CRAWL_ISSUE_KINDS",
    "ENV_VAR",
    "BatchWriter",
    "CrawlLock",
    "CrawlLocked",
    "LockHolder",
    "RunInfo",
    "Store",
    "StoreUnavailable",
    "content_hash",
    "database_url",
    "downgrade",
    "gzip_page",
    "make_engine",
    "migrate",
    "open_store",
]
