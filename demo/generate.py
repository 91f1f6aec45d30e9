"""Build the sample portal: hosts, the unit tree and each unit's column directory.

`generate_portal(seed, scale)` returns a defect-free `Portal` filled with articles by
`demo.timeline`; `demo.defects` then plants the defects. `write_portal(...)` does all of it and
writes the model, `units.yaml` and `manifest.json` into a folder.

Scales: `small` ≈ 30 units and a few thousand articles (tests, the demo); `city` ≈ 500 units and
over 200,000 articles (benchmarks).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from demo import model as m
from demo import timeline, vocab
from demo.model import Column, Host, Portal, Unit

DEFAULT_AS_OF = dt.date(2025, 6, 30)


@dataclass(frozen=True)
class Scale:
    counties: int
    city_departments: int
    county_departments: int
    townships: int
    news_every: int  # mean days between news items of a department
    # How far back the published history goes. `small` keeps ≈15 months (one Spring Festival, one
    # National Day, the make-up workdays of 2025) so that `zwgk demo` crawls it twice in < 2 min;
    # `city` keeps ≈2.5 years (three Spring Festivals, two National Days).
    history_days: int


SCALES = {
    # Four counties, one on each platform setup a test needs (Lonsun; TRS GBK with and without a
    # declared charset; Hanweb), with two departments each: about as many units as before the
    # Hanweb county came (34, was 31), so `zwgk demo` keeps its time; and one department on the
    # gov.cn template's site (35 units).
    "small": Scale(
        counties=4,
        city_departments=8,
        county_departments=2,
        townships=3,
        news_every=9,
        history_days=456,
    ),
    "city": Scale(
        counties=12,
        city_departments=40,
        county_departments=18,
        townships=20,
        news_every=3,
        history_days=912,
    ),
}


def generate_portal(
    seed: int = 1,
    scale: str = "small",
    as_of: dt.date = DEFAULT_AS_OF,
    *,
    address_prefix: str = "127.0.0.",
    first_address: int = 11,
    port: int = 18600,
) -> Portal:
    """A defect-free portal; `demo.defects.plant` adds the defects and hazards."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: choose one of {', '.join(SCALES)}")
    rng = random.Random(f"zwgk-demo/{seed}/{scale}")
    portal = Portal(seed=seed, scale=scale, city=vocab.CITY, as_of=as_of)
    builder = _Builder(portal, rng, SCALES[scale], address_prefix, first_address, port)
    builder.build()
    portal.reindex()
    timeline.populate(portal, as_of - dt.timedelta(days=SCALES[scale].history_days), as_of, rng)
    portal.reindex()
    assign_list_shapes(portal)
    return portal


# One TRS column in LIST_SHAPE_EVERY keeps ul.list_ul; the others take, by column id, one of the
# other shapes real TRS sites print (issue 15).
LIST_SHAPE_EVERY = 5


def assign_list_shapes(portal: Portal) -> None:
    """Give some TRS list columns another list shape (`Column.list_shape`), by column id alone:
    no random number is drawn, so every other value of the model stays what it was."""
    trs = {h.id for h in portal.hosts if h.platform == "trs"}
    for column in portal.columns:
        unit = portal.index.unit[column.unit_id]
        if unit.host not in trs or column.category == m.GROUP or column.rows_in_comment:
            continue
        slot = column.id % LIST_SHAPE_EVERY
        column.list_shape = m.LIST_SHAPES[slot] if slot < len(m.LIST_SHAPES) else ""


class _Builder:
    def __init__(
        self, portal: Portal, rng: random.Random, scale: Scale, prefix: str, first: int, port: int
    ):
        self.portal = portal
        self.rng = rng
        self.scale = scale
        self.prefix = prefix
        self.next_address = first
        self.port = port
        self.next_unit_num = 1001
        self.next_column_id = 2001
        self.codes: set[str] = set()

    # -- hosts and units ------------------------------------------------------------------
    def host(
        self, platform: str, encoding: str = "utf-8", declare: bool = True, down: bool = False
    ) -> Host:
        number = len(self.portal.hosts) + 1
        host = Host(
            id=f"h{number}",
            address=f"{self.prefix}{self.next_address}",
            port=self.port,
            platform=platform,
            encoding=encoding,
            declare_charset=declare,
            down=down,
            site_id=6780000 + number,
        )
        self.next_address += 1
        self.portal.hosts.append(host)
        return host

    def unit(
        self,
        uid: str,
        name: str,
        short: str,
        level: str,
        parent: str | None,
        host: Host,
        slug: str,
        doc_prefix: str,
    ) -> Unit:
        unit = Unit(
            id=uid,
            name=name,
            short=short,
            level=level,
            parent=parent,
            host=host.id,
            num=self.next_unit_num,
            slug=slug,
            code=self.credit_code(),
            doc_prefix=doc_prefix,
            address=f"{vocab.CITY}{self.rng.choice(['人民路', '长江路', '解放路', '梅山路', '皖西大道'])}"
            f"{self.rng.randint(1, 300)}号",
            phone=f"0564-{self.rng.randint(3000000, 3999999)}",
            leader=self.person(),
        )
        self.next_unit_num += 1
        self.portal.units.append(unit)
        self.columns_for(unit)
        return unit

    def credit_code(self) -> str:
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        while True:
            code = "11341500" + "".join(self.rng.choice(alphabet) for _ in range(10))
            if code not in self.codes:
                self.codes.add(code)
                return code

    def person(self) -> str:
        return self.rng.choice(vocab.SURNAMES) + "".join(self.rng.sample(vocab.GIVEN, 2))

    def build(self) -> None:
        city_host = self.host("lonsun")
        self.unit(
            "jh",
            f"{vocab.CITY}人民政府办公室",
            "市政府办公室",
            m.CITY_GOV,
            None,
            city_host,
            "szf",
            f"{vocab.CITY_ABBR}政办",
        )
        depts = vocab.DEPARTMENTS[: self.scale.city_departments]
        for i, (full, short, tail) in enumerate(depts):
            self.unit(
                f"jh-d{i + 1:02d}",
                f"{vocab.CITY}{full}",
                f"市{short}",
                m.CITY_DEPT,
                "jh",
                city_host,
                f"d{i + 1:02d}",
                f"{vocab.CITY_ABBR}{tail}",
            )
        # County platforms rotate through the families the issue names.
        families = [
            ("lonsun", "utf-8", True),
            ("trs", "gbk", True),
            ("trs", "gbk", False),
            ("hanweb", "utf-8", True),
            ("trs", "utf-8", True),
        ]
        for c in range(self.scale.counties):
            cname, cabbr = vocab.COUNTIES[c]
            platform, encoding, declare = families[c % len(families)]
            host = self.host(platform, encoding, declare)
            cid = f"jh-c{c + 1:02d}"
            self.unit(
                cid,
                f"{cname}人民政府",
                f"{cname}政府",
                m.COUNTY_GOV,
                "jh",
                host,
                "zf",
                f"{cabbr}政",
            )
            kind = "区" if cname.endswith("区") else "县"
            for i, (full, short, tail) in enumerate(
                vocab.DEPARTMENTS[: self.scale.county_departments]
            ):
                self.unit(
                    f"{cid}-d{i + 1:02d}",
                    f"{cname}{full}",
                    f"{kind}{short}",
                    m.COUNTY_DEPT,
                    cid,
                    host,
                    f"d{i + 1:02d}",
                    f"{cabbr}{tail}",
                )
            stems = self.rng.sample(vocab.TOWNSHIP_STEMS, self.scale.townships)
            for i, stem in enumerate(stems):
                tkind = vocab.TOWNSHIP_KINDS[i % 3] if i else "街道" if kind == "区" else "镇"
                tname = f"{stem}{tkind}"
                self.unit(
                    f"{cid}-t{i + 1:02d}",
                    f"{cname}{tname}{'办事处' if tkind == '街道' else '人民政府'}",
                    tname,
                    m.TOWNSHIP,
                    cid,
                    host,
                    f"t{i + 1:02d}",
                    f"{stem}{'办' if tkind == '街道' else '政'}",
                )
        # One department runs its own site, and that host is down (an operational hazard).
        full, short, tail = vocab.DEPARTMENTS[self.scale.city_departments]
        own = self.host("trs", "utf-8", True, down=True)
        self.unit(
            "jh-x01",
            f"{vocab.CITY}{full}",
            f"市{short}",
            m.CITY_DEPT,
            "jh",
            own,
            "xxgk",
            f"{vocab.CITY_ABBR}{tail}",
        )
        # One more department runs a site on the gov.cn / ministry 信息公开 template (govcn). Added
        # last, with draws of its own, so the units and columns before it stay as they were.
        full, short, tail = vocab.DEPARTMENTS[self.scale.city_departments + 1]
        kept, self.rng = self.rng, random.Random(f"{self.portal.seed}/{self.portal.scale}/govcn")
        self.unit(
            "jh-x02",
            f"{vocab.CITY}{full}",
            f"市{short}",
            m.CITY_DEPT,
            "jh",
            self.host("govcn"),
            f"d{self.scale.city_departments + 2:02d}",
            f"{vocab.CITY_ABBR}{tail}",
        )
        self.rng = kept

    # -- columns --------------------------------------------------------------------------
    def column(
        self,
        unit: Unit,
        category: str,
        name: str | None = None,
        *,
        section: int = 4,
        parent: Column | None = None,
        slug: str | None = None,
        cadence: str = "",
    ) -> Column:
        opened = self.portal.as_of - dt.timedelta(
            days=self.scale.history_days + self.rng.randint(30, 400)
        )
        column = Column(
            id=self.next_column_id,
            unit_id=unit.id,
            name=name or vocab.COLUMN_NAMES[category],
            category=category,
            section=section,
            parent=parent.id if parent else None,
            slug=slug or vocab.SLUGS.get(category, f"lm{self.next_column_id}"),
            opened=None if category == m.GROUP else opened,
            cadence=cadence,
        )
        self.next_column_id += 1
        self.portal.columns.append(column)
        return column

    def columns_for(self, unit: Unit) -> None:
        self.column(unit, m.RULES, section=1)
        self.column(unit, m.GUIDE, section=2)
        self.column(unit, m.ANNUAL_REPORT, section=3)
        org_group = self.column(unit, m.GROUP, vocab.GROUP_ORG, slug="jgxx")
        self.column(unit, "org", parent=org_group)
        news = self.column(unit, m.NEWS)
        # TRS lists with rows inside an HTML comment: a third of the news columns, as seen on jyt.gansu.
        news.rows_in_comment = self.rng.random() < 0.34
        self.column(unit, m.NOTICE)
        issues_policy = unit.level != m.TOWNSHIP
        if issues_policy:
            group = self.column(unit, m.GROUP, vocab.GROUP_POLICY, slug="zcwj")
            self.column(unit, m.NORMATIVE, parent=group)
            self.column(unit, m.POLICY, parent=group)
            self.column(unit, m.INTERPRETATION)
        self.column(unit, m.PERSONNEL)
        self.column(unit, m.PLAN)
        self.column(unit, m.BUDGET)
        if unit.level in (m.CITY_GOV, m.COUNTY_GOV) or (issues_policy and self.rng.random() < 0.5):
            self.column(unit, m.CONSULTATION)
            self.column(unit, m.FEEDBACK)
        if unit.level in (m.CITY_GOV, m.COUNTY_GOV) or "生态环境" in unit.name:
            group = self.column(unit, m.GROUP, vocab.GROUP_KEY, slug="zdly")
            for key, (name, cadence) in vocab.KEY_AREAS.items():
                if cadence == "quarter" and unit.level not in (m.CITY_GOV, m.COUNTY_GOV):
                    continue
                self.column(
                    unit, m.KEY_AREA, name, parent=group, slug=vocab.SLUGS[key], cadence=cadence
                )
        if unit.level == m.TOWNSHIP:
            group = self.column(unit, m.GROUP, vocab.GROUP_TOWNSHIP, slug="bzml")
            for area in vocab.TOWNSHIP_AREAS:
                self.column(unit, m.TOWNSHIP_AREA, area, parent=group, slug=vocab.AREA_SLUGS[area])


def write_portal(out_dir: Path, portal: Portal, manifest: dict) -> list[Path]:
    """Write model, registry and manifest; returns the paths written."""
    from demo import manifest as manifest_io
    from demo import registry

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        m.save_portal(portal, out_dir),
        registry.write_registry(portal, out_dir),
        manifest_io.write_manifest(manifest, out_dir),
    ]


def make_sample(
    seed: int = 1,
    scale: str = "small",
    as_of: dt.date = DEFAULT_AS_OF,
    *,
    rates: dict[str, float] | None = None,
    port: int = 18600,
    first_address: int = 11,
    faults: bool = False,
) -> tuple[Portal, dict]:
    """The sample portal with its hazards and planted defects, and its manifest.

    `faults`: plant the fault matrix too (`demo.operational.plant_faults`: 5xx bursts, 429 with
    Retry-After, resets, truncated bodies, redirect loops, an absurd page count, a gzip bomb, an
    endless and a trickling body, an unknown host, a host down for some nights). Off by default:
    the demo and its accuracy gate use the sample without them.
    """
    from demo import manifest as manifest_io
    from demo.defects import Planter, plant
    from demo.operational import plant_faults, plant_hazards

    portal = generate_portal(seed, scale, as_of, port=port, first_address=first_address)
    planter = Planter(portal, random.Random(f"zwgk-demo/defects/{seed}/{scale}"), as_of)
    hazards = plant_hazards(planter)
    if faults:
        hazards = hazards + plant_faults(planter)
    planted, decoys = plant(planter, rates)
    portal.reindex()
    # Deadlines not passed yet on the portal's day: no problem today, one within a short step.
    coming = [d for d in planted if d["details"].get("due", "") > as_of.isoformat()]
    defects = [d for d in planted if d["details"].get("due", "") <= as_of.isoformat()]
    manifest = manifest_io.new_manifest(portal, defects, decoys, hazards, coming)
    manifest["state"] = planter.state()
    return portal, manifest
