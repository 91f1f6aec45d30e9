"""The demo's people in the web portal (门户): four accounts with known passwords over the
sample city, and the latest round published so that unit users have something to see.

- ``pingce`` — the city office's evaluator (市政务公开办), every unit;
- ``dongshan`` — 东山区's evaluator (a county office), 东山区 and its departments and townships;
- ``jiaoyuju`` — a city department, 江淮市教育局;
- ``xiaohe`` — a township of 东山区, 小河街道办事处 (so the county evaluator reviews its answers).

The passwords are printed by `zwgk demo` and need not be changed at first sign-in: this is a
demonstration on a fictional city, never a real office's store (`zwgk users` makes those
accounts, with random passwords to change).

Only the latest round is published (with a 整改期限 20 working days from today, as an office's
notice gives): the earlier one stays a draft, which is what an evaluator sees while reviewing —
and what a unit user does not see at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portal.lifecycle import RoundState
    from store import Store

BY = "zwgk-demo"  # the actor the audit log names for what the demo did
DEADLINE_WORKDAYS = 20


@dataclass(frozen=True)
class DemoAccount:
    login: str
    password: str
    role: str  # evaluator / unit
    unit_id: str | None  # a unit user's unit; an evaluator's subtree root (None: every unit)
    what: str  # who this is, in Chinese, as printed

    @property
    def role_zh(self) -> str:
        return {"evaluator": "测评人员", "unit": "单位用户"}[self.role]


ACCOUNTS = (
    DemoAccount("pingce", "Jianghuai-2025-sz", "evaluator", None, "市政务公开办（全部单位）"),
    DemoAccount(
        "dongshan", "Jianghuai-2025-ds", "evaluator", "jh-c01", "东山区政务公开办（本区单位）"
    ),
    DemoAccount("jiaoyuju", "Jianghuai-2025-jy", "unit", "jh-d02", "江淮市教育局"),
    DemoAccount("xiaohe", "Jianghuai-2025-xh", "unit", "jh-c01-t01", "东山区小河街道办事处"),
)


def create_accounts(store: Store) -> tuple[DemoAccount, ...]:
    """The demo's four accounts in ``store`` (whose units are the sample's), audited as made
    by the demo; no password change is forced."""
    from portal.accounts import create_user

    for account in ACCOUNTS:
        create_user(
            store,
            account.login,
            account.what,
            account.role,
            account.unit_id,
            account.password,
            must_change_password=False,
            by=BY,
        )
    return ACCOUNTS


def publish_round(store: Store, round_id: str) -> RoundState:
    """Publish ``round_id`` as an evaluator would: re-scored with the (no) decisions, 整改期限
    the 20th working day from today in Beijing."""
    from portal.lifecycle import publish
    from reports.checklist.data import default_deadline
    from reports.wording import today_in_beijing

    deadline = default_deadline(today_in_beijing(), DEADLINE_WORKDAYS)
    return publish(store, round_id, by=BY, deadline=deadline)
