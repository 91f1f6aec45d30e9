"""Extraction: plain functions over (html, url, profile); no Scrapy here (see web-poet).

The spider schedules requests and hands each page to one of these; everything that varies by
platform is in the profile (`crawler.profile_model`).
"""

from crawler.extract.antibot import is_anti_bot
from crawler.extract.article import ArticleData, extract_article
from crawler.extract.directory import ColumnLink, parse_directory
from crawler.extract.dom import MAX_PAGE_BYTES, ExtractionError, refuse_non_html
from crawler.extract.encoding import decode_html
from crawler.extract.links import Attachment, Link, RelatedLink
from crawler.extract.listing import ListingPage, ListingRow, parse_listing
from crawler.extract.sources import FieldSource

__all__ = [
    "ArticleData",
    "Attachment",
    "ColumnLink",
    "ExtractionError",
    "FieldSource",
    "Link",
    "MAX_PAGE_BYTES",
    "ListingPage",
    "ListingRow",
    "RelatedLink",
    "decode_html",
    "extract_article",
    "is_anti_bot",
    "parse_directory",
    "parse_listing",
    "refuse_non_html",
]
