"""Sign-in rate limiting per account and per address (portal.signin_limits via
accounts.authenticate): counted in the store, said in Chinese with when to retry."""

from __future__ import annotations

import datetime as dt

import pytest
from portal_fixtures import portal_store_fixture, portal_template_fixture  # noqa: F401
from round_fixtures import planted_check  # noqa: F401
from sqlalchemy import func, select

from portal import signin_limits
from portal.accounts import SignInRefused, authenticate
from store.types import BEIJING

T0 = dt.datetime(2025, 7, 1, 1, 0, tzinfo=dt.UTC)  # 09:00 Beijing


def attempt(world, login, password, address="10.0.0.1", minutes=0.0):
    return authenticate(
        world.store, login, password, address, now=T0 + dt.timedelta(minutes=minutes)
    )


def refused(world, *args, **kwargs) -> SignInRefused:
    with pytest.raises(SignInRefused) as caught:
        attempt(world, *args, **kwargs)
    return caught.value


def attempts(world) -> int:
    with world.store.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(signin_limits.ATTEMPTS))


def test_an_account_is_held_after_five_wrong_passwords_and_told_when_to_retry(portal_store):
    good = portal_store.passwords["eval"]
    for n in range(signin_limits.ACCOUNT_FAILURES):
        assert not refused(portal_store, "eval", "wrong", minutes=n).rate_limited
    held = refused(portal_store, "eval", good, minutes=5)
    assert held.rate_limited
    # the first failure (09:00) leaves the window at 09:15, ten minutes after 09:05
    assert "10分钟后" in held.reason_zh and "北京时间 09:15" in held.reason_zh
    assert attempt(portal_store, "eval", good, minutes=15.1).login == "eval"


def test_a_held_account_is_refused_without_its_password_being_tried_or_counted(portal_store):
    for n in range(signin_limits.ACCOUNT_FAILURES):
        refused(portal_store, "eval", "wrong", minutes=n)
    counted = attempts(portal_store)
    for n in range(20):  # hammering a held account does not keep it held for ever
        assert refused(portal_store, "eval", "wrong", minutes=5 + n / 10).rate_limited
    assert attempts(portal_store) == counted
    assert attempt(portal_store, "eval", portal_store.passwords["eval"], minutes=15.1)


def test_a_successful_sign_in_starts_the_accounts_count_again(portal_store):
    good = portal_store.passwords["eval"]
    for n in range(signin_limits.ACCOUNT_FAILURES - 1):
        refused(portal_store, "eval", "wrong", minutes=n)
    attempt(portal_store, "eval", good, minutes=4)
    for n in range(signin_limits.ACCOUNT_FAILURES - 1):
        assert not refused(portal_store, "eval", "wrong", minutes=5 + n).rate_limited
    assert attempt(portal_store, "eval", good, minutes=9).login == "eval"


def test_one_accounts_failures_do_not_hold_another(portal_store):
    for n in range(signin_limits.ACCOUNT_FAILURES):
        refused(portal_store, "eval", "wrong", minutes=n)
    assert attempt(portal_store, "admin", portal_store.passwords["admin"], minutes=5)


def test_an_address_trying_many_logins_is_held_but_other_addresses_are_not(portal_store):
    for n in range(signin_limits.ADDRESS_FAILURES):
        refused(portal_store, f"guess{n}", "wrong", address="10.9.9.9", minutes=n / 10)
    held = refused(portal_store, "admin", portal_store.passwords["admin"], address="10.9.9.9")
    assert held.rate_limited and "本机登录失败次数过多" in held.reason_zh
    assert attempt(portal_store, "admin", portal_store.passwords["admin"], address="10.1.1.1")


def test_the_retry_time_is_said_in_beijing_time():
    at = dt.datetime(2025, 7, 1, 16, 30, tzinfo=dt.UTC)
    text = signin_limits._retry_at(at, at - dt.timedelta(seconds=61))
    assert "2分钟后" in text and "00:30" in text
    assert at.astimezone(BEIJING).strftime("%H:%M") == "00:30"
