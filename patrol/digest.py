"""A unit's daily digest (每日提醒) of a patrol: what is new for it since the previous patrol —
problems found today, warnings with the day each falls due, how many of its problems are gone —
made only when something is; in Chinese, as e-mail text and HTML and as the webhook's JSON."""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from patrol.run import PatrolResult


@dataclass(frozen=True)
class Item:
    indicator: str  # the indicator's name
    target_url: str | None
    suggestion: str
    due: str | None = None  # a warning's day


@dataclass(frozen=True)
class Digest:
    patrol: int
    as_of: str
    unit_id: str
    unit_name: str
    new: list[Item] = field(default_factory=list)
    warnings: list[Item] = field(default_factory=list)
    gone: int = 0

    @property
    def subject(self) -> str:
        parts = [f"新发现问题{len(self.new)}个"] if self.new else []
        parts += [f"预警{len(self.warnings)}个"] if self.warnings else []
        parts += [f"已整改{self.gone}个"] if self.gone else []
        return f"【政务公开日巡查】{self.unit_name} {self.as_of}：{'，'.join(parts)}"

    def payload(self) -> dict[str, Any]:
        """The webhook's JSON body (and what the digest's hash is of)."""
        return {
            "patrol": self.patrol,
            "as_of": self.as_of,
            "unit_id": self.unit_id,
            "unit_name": self.unit_name,
            "subject": self.subject,
            "new": [vars(i) for i in self.new],
            "warnings": [vars(i) for i in self.warnings],
            "gone": self.gone,
        }

    @property
    def sha256(self) -> str:
        body = json.dumps(self.payload(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(body.encode("utf-8")).hexdigest()

    def sections(self) -> list[tuple[str, list[Item]]]:
        """(heading, items) of what the digest holds, numbered 一、二、三 as they come: the new
        problems, the warnings, the count of problems gone (no items)."""
        held = []
        if self.new:
            held.append((f"新发现问题（{len(self.new)}个）", self.new))
        if self.warnings:
            held.append(
                (f"预警（{len(self.warnings)}个：如不处理，将于所列日期成为问题）", self.warnings)
            )
        if self.gone:
            held.append((f"较上次巡查已整改问题{self.gone}个。", []))
        return [(f"{'一二三'[n]}、{heading}", items) for n, (heading, items) in enumerate(held)]

    def text(self) -> str:
        lines = [f"{self.unit_name}：", "", f"{self.as_of}日巡查结果如下。"]
        for heading, items in self.sections():
            lines += ["", heading]
            lines += [f"{n}. {_line(i)}" + (f"\n   {i.target_url}" if i.target_url and not i.due else "")
                      for n, i in enumerate(items, 1)]  # fmt: skip
        lines += ["", "本邮件由政务公开测评系统（zwgk）日巡查自动发送。"]
        return "\n".join(lines)

    def html(self) -> str:
        e = html.escape
        parts = [f"<p>{e(self.unit_name)}：</p><p>{e(self.as_of)}日巡查结果如下。</p>"]
        for heading, items in self.sections():
            if not items:
                parts.append(f"<p>{e(heading)}</p>")
                continue
            parts.append(f"<h3>{e(heading)}</h3><ol>")
            parts += [f"<li>{e(_line(i))}" + (f'<br><a href="{e(i.target_url)}">{e(i.target_url)}</a>' if i.target_url and not i.due else "") + "</li>"
                      for i in items]  # fmt: skip
            parts.append("</ol>")
        parts.append("<p>本邮件由政务公开测评系统（zwgk）日巡查自动发送。</p>")
        return "\n".join(parts)


def _line(item: Item) -> str:
    """One item as the digest words it: a warning leads with its day (and, unlike a problem,
    is not followed by its page's link: its suggestion names the column)."""
    return (f"{item.due}前 " if item.due else "") + f"{item.indicator}：{item.suggestion}"


def digests(
    result: PatrolResult, unit_names: dict[str, str], indicator_names: dict[str, str]
) -> list[Digest]:
    """One digest per unit with something new since the previous patrol: a problem found today,
    a warning not given before, or a problem gone. In unit order."""
    changes = result.changes
    rows = result.findings.set_index("fingerprint")
    out = []
    for unit_id, part in changes.groupby("unit_id", sort=True):
        new = part[part["change"] == "new"]
        warned = part[part["change"] == "warning"].sort_values("due", kind="stable")
        gone = int((part["change"] == "gone").sum())
        if new.empty and warned.empty and not gone:
            continue
        out.append(
            Digest(
                patrol=result.patrol.id,
                as_of=result.patrol.as_of.isoformat(),
                unit_id=str(unit_id),
                unit_name=unit_names.get(str(unit_id), str(unit_id)),
                new=[_item(rows.loc[fp], indicator_names) for fp in new["fingerprint"]],
                warnings=[_item(rows.loc[fp], indicator_names) for fp in warned["fingerprint"]],
                gone=gone,
            )
        )
    return out


def _item(row: pd.Series, names: dict[str, str]) -> Item:
    due = row["due"]
    return Item(
        indicator=names.get(row["indicator_id"], row["indicator_id"]),
        target_url=row["target_url"] if isinstance(row["target_url"], str) else None,
        suggestion=row["suggestion"] or "",
        due=None if due is None or pd.isna(due) else str(due)[:10],
    )
