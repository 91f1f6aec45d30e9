"""`scrapy crawl disclosure` applies the registry's politeness like `zwgk crawl` does; a value
given on the command line still wins."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.settings import Settings

from crawler.spiders.disclosure import DisclosureSpider

REGISTRY = """version: 1
defaults: {delay: 2.5, concurrency: 1, timeout: 12, user_agent: "zwgk-test/1.0 (operator@example)"}
units:
  - id: jh
    name: 江淮市人民政府办公室
    level: 市政府
    profile: lonsun
    entry: http://127.0.0.11:18600/public/column/1001?type=4&action=list&nav=3
"""


def spider_for(
    tmp_path, settings: dict | None = None, priority: str = "cmdline"
) -> DisclosureSpider:
    path = tmp_path / "units.yaml"
    path.write_text(REGISTRY, encoding="utf-8")
    scrapy_settings = Settings()
    scrapy_settings.setmodule("crawler.settings", priority="project")
    for name, value in (settings or {}).items():
        scrapy_settings.set(name, value, priority=priority)
    return DisclosureSpider.from_crawler(
        Crawler(DisclosureSpider, scrapy_settings), registry=str(path)
    )


def test_registry_defaults_become_the_spiders_politeness(tmp_path):
    spider = spider_for(tmp_path)
    assert spider.download_delay == 2.5
    assert spider.max_concurrent_requests == 1
    assert spider.download_timeout == 12
    assert spider.user_agent == "zwgk-test/1.0 (operator@example)"


def test_a_command_line_setting_wins(tmp_path):
    spider = spider_for(tmp_path, {"DOWNLOAD_DELAY": 0})
    assert not hasattr(spider, "download_delay")
    assert spider.max_concurrent_requests == 1
