"""Which city (市) each unit belongs to: the unit tree cut into cities.

A city is the subtree of a 市政府 unit (docs/domain.md §1: city → city departments and
counties → county departments and townships): a unit's city is its nearest ancestor-or-self
at the 市政府 level, following ``parent`` through the stored units. Units under no 市政府 (a
registry of one county, or a flat list without parents) form one group of their own, named
`NO_CITY`. Ranks are given within level and city (`scoring.totals`), and a round of a province
is evaluated city by city (`scoring.by_city`).
"""

from __future__ import annotations

import pandas as pd

from common.vocabulary import CITY_GOV

NO_CITY = ""  # the group of units under no 市政府


def city_of(units: pd.DataFrame) -> pd.Series:
    """Each unit's city (the id of its 市政府 unit, or `NO_CITY`), indexed like ``units``
    (columns id, level, parent)."""
    ids = units["id"].astype(object).to_numpy()
    parent = dict(zip(ids, units["parent"].astype(object).to_numpy(), strict=True))
    level = dict(zip(ids, units["level"].astype(object).to_numpy(), strict=True))
    found: dict[object, str] = {}
    out = []
    for uid in ids:
        chain = []
        node = uid
        # A parent chain ends at a unit without a stored parent; at most one step per unit
        # (a cycle, which the registry refuses, stops there too).
        while node in parent and node not in found and len(chain) <= len(ids):
            if level[node] == CITY_GOV:
                found[node] = str(node)
                break
            chain.append(node)
            node = parent[node]
        city = found.get(node, NO_CITY)
        for seen in chain:
            found[seen] = city
        out.append(city)
    return pd.Series(out, index=units.index, dtype=object, name="city")


def cities(units: pd.DataFrame) -> dict[str, list[str]]:
    """City → its unit ids (in ``units`` order), the cities by id (`NO_CITY` first)."""
    frame = pd.DataFrame({"id": units["id"].astype(object), "city": city_of(units)})
    return {
        str(city): list(group["id"])
        for city, group in sorted(frame.groupby("city", sort=False), key=lambda kv: kv[0])
    }
