"""A crawl spread over several machines (分布式抓取): `zwgk crawl --distributed` starts one crawl
run and enqueues one job per host on Celery over Redis; `zwgk worker`, on any machine, runs each
job as a `zwgk` crawl of that host's units in a process of its own, into the same run.

Layered above crawler and store, below the CLI (pyproject's import-linter contract).
"""
