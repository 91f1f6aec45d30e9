"""Write `units.yaml`, the unit registry a user would write for the sample portal's sites.

The schema is the crawler's (see docs/registry.md): `version`, `defaults`, `owned_hosts` (the
sample portal's hosts are the office's own), and `units`, each with `id`, `name`, `level`,
`parent`, `profile`, `entry` and `contacts` (its 联络员's address under the reserved `.example`
domain, `CONTACT_DOMAIN`: the patrol's digests go there — in `zwgk demo`, to its local mail sink).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from common.yamlsource import dump_yaml
from demo import urls
from demo.model import Portal

REGISTRY_FILE = "units.yaml"
CONTACT_DOMAIN = "jianghuai.example"  # fictional (RFC 2606): no mail can leave for it


def registry_dict(portal: Portal) -> dict:
    units = []
    for unit in portal.units:
        host = portal.index.host[unit.host]
        units.append(
            {
                "id": unit.id,
                "name": unit.name,
                "level": unit.level,
                "parent": unit.parent,
                "profile": host.platform,
                "entry": urls.unit_entry(portal, unit),
                "contacts": [f"{unit.id}@{CONTACT_DOMAIN}"],
            }
        )
    return {
        "version": 1,
        "name": f"{portal.city}政务公开（示例门户）",
        "defaults": {"robots": "obey"},
        # The sample portal is ours: `zwgk demo` crawls it with 8 requests in flight per host
        # (demo/loop.py FAST), which the polite limit allows only on the office's own hosts.
        "owned_hosts": sorted({urlsplit(u["entry"]).hostname for u in units}),
        "units": units,
    }


def write_registry(portal: Portal, directory: Path) -> Path:
    path = Path(directory) / REGISTRY_FILE
    header = f"# {portal.city} sample portal — unit registry for `zwgk crawl --registry {REGISTRY_FILE}`\n"
    body = dump_yaml(registry_dict(portal))
    path.write_text(header + body, encoding="utf-8")
    return path
