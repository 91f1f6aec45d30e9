"""Where the broker is and how long a job may stay silent, read once at the edge.

The broker URL: ``--broker`` > ``$ZWGK_BROKER_URL`` > zwgk.toml's ``[distributed] broker_url`` >
`DEFAULT_BROKER` (docs/config.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from common.config_file import configured_value

DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
# A job whose worker died (kill -9, power cut) is delivered again after this many seconds
# without its acknowledgement (Redis transport's visibility timeout). A job that runs longer is
# delivered again too, while it still runs: the host lock (`distributed.hostlock`) makes that
# second delivery wait, and it ends at once when it finds the job done.
VISIBILITY_TIMEOUT_S = 600
# The host lock expires this long after its holder stops renewing it (a third of it).
HOST_LOCK_TTL_S = 60
# A host that does not accept a connection is tried again this many times, waiting BACKOFF_S,
# then twice that, …; after the last one it is crawled all the same, so its units' crawl issues
# are stored as a local crawl stores them (the units are then not observed).
DOWN_RETRIES = 3
BACKOFF_S = 60.0
# A job whose crawl process ended without finishing (killed, store gone) is run again (it
# resumes) this many times.
JOB_RETRIES = 3


@dataclass(frozen=True)
class BrokerSettings:
    url: str
    visibility_timeout: float = VISIBILITY_TIMEOUT_S


def broker_url(option: str | None = None) -> str:
    return option or configured_value("distributed.broker_url", DEFAULT_BROKER)
