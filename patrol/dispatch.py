"""Dispatch (即时调度): each unit's digest of a patrol by e-mail to its contacts (the registry's
`contacts:`) over SMTP, and as signed JSON to the office's webhook (its messaging robot).

Every delivery is a row (`store.patrols`: patrol, unit, channel, recipient): a digest goes to a
recipient once however often the dispatch runs; a refused attempt is tried again after a pause
(``attempts`` in all), then recorded failed with its error — the next dispatch tries it again.

The webhook's body is the digest's JSON; ``X-Zwgk-Timestamp`` is the sending time (Unix
seconds) and ``X-Zwgk-Signature`` is ``sha256=`` + the HMAC-SHA256 of ``{timestamp}.{body}``
under the configured secret (`signature`), so the receiver can check both sender and freshness.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import httpx

from common.config_file import configured_value
from patrol.digest import Digest
from store import Store
from store.patrols import claim_delivery, record_attempt

ATTEMPTS = 3
BACKOFF_S = 2.0  # the pause before the second attempt; doubled before each next one
TIMEOUT_S = 30.0


class DispatchError(ValueError):
    """The dispatch is configured so that it cannot work (a sender or a key missing)."""


class Refused(Exception):
    """A recipient's server answered, and not with yes."""


@dataclass(frozen=True)
class Channels:
    """Where digests go: SMTP (with ``mail_from``) and/or the webhook; from zwgk.toml [patrol]."""

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_ssl: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None
    mail_from: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None

    @classmethod
    def configured(cls) -> Channels:
        values = {name: configured_value(f"patrol.{name}") for name in cls.__dataclass_fields__}
        channels = cls(**{k: v for k, v in values.items() if v is not None})
        if channels.smtp_host and not channels.mail_from:
            raise DispatchError(
                "[patrol] smtp_host is set without mail_from (the sender's address)"
            )
        if channels.webhook_url and not channels.webhook_secret:
            raise DispatchError(
                "[patrol] webhook_url is set without webhook_secret (its signing key)"
            )
        return channels

    @property
    def any(self) -> bool:
        return bool(self.smtp_host or self.webhook_url)


@dataclass
class Dispatched:
    sent: int = 0
    failed: int = 0
    already: int = 0  # sent by an earlier dispatch: not sent again
    without_contact: list[str] = field(default_factory=list)  # units with a digest, no address

    def summary(self) -> str:
        text = f"每日提醒：发送{self.sent}份"
        if self.failed:
            text += f"，{self.failed}份发送失败（已记录，下次再试）"
        if self.already:
            text += f"，{self.already}份此前已发送"
        if self.without_contact:
            text += f"；{len(self.without_contact)}个单位未登记联络员邮箱"
        return text + "。"


def dispatch(
    store: Store,
    digests: Sequence[Digest],
    contacts: Mapping[str, Sequence[str]],
    channels: Channels,
    *,
    attempts: int = ATTEMPTS,
    backoff_s: float = BACKOFF_S,
    sleep: Callable[[float], None] = time.sleep,
) -> Dispatched:
    """Deliver ``digests``: by e-mail to each unit's ``contacts`` when SMTP is configured, to the
    webhook when it is; each recipient once (`store.patrols.claim_delivery`)."""
    out = Dispatched()
    for digest in digests:
        targets: list[tuple[str, str, Callable[[], None]]] = []
        if channels.smtp_host:
            addresses = list(contacts.get(digest.unit_id, ()))
            if not addresses:
                out.without_contact.append(digest.unit_id)
            for address in addresses:
                targets.append(("email", address, _mail(channels, address, digest)))
        if channels.webhook_url:
            targets.append(("webhook", channels.webhook_url, _post(channels, digest)))
        for channel, target, send in targets:
            claimed = claim_delivery(
                store, digest.patrol, digest.unit_id, channel, target, digest.sha256
            )
            if claimed is None:
                out.already += 1
                continue
            for attempt in range(1, attempts + 1):
                error = _try(send)
                record_attempt(store, claimed, error)
                if error is None:
                    out.sent += 1
                    break
                if attempt == attempts:
                    out.failed += 1
                else:
                    sleep(backoff_s * 2 ** (attempt - 1))
    return out


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + HMAC-SHA256 of ``{timestamp}.{body}``: what a receiver compares with
    ``X-Zwgk-Signature`` (with `hmac.compare_digest`)."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _try(send: Callable[[], None]) -> str | None:
    try:
        send()
    except (OSError, smtplib.SMTPException, httpx.HTTPError, Refused) as exc:
        return f"{type(exc).__name__}: {exc}"[:1000]
    return None


def _mail(channels: Channels, address: str, digest: Digest) -> Callable[[], None]:
    def send() -> None:
        message = EmailMessage()
        message["Subject"] = digest.subject
        message["From"] = channels.mail_from
        message["To"] = address
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid(domain=(channels.mail_from or "zwgk").split("@")[-1])
        message.set_content(digest.text())
        message.add_alternative(digest.html(), subtype="html")
        host, port, tls = channels.smtp_host or "", channels.smtp_port, ssl.create_default_context()
        if channels.smtp_ssl:
            server = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT_S, context=tls)
        else:
            server = smtplib.SMTP(host, port, timeout=TIMEOUT_S)
        with server:
            if not channels.smtp_ssl and server.has_extn("starttls"):
                server.starttls(context=tls)  # the server's certificate verified
            if channels.smtp_user:
                server.login(channels.smtp_user, channels.smtp_password or "")
            refused = server.send_message(message)
            if refused:
                raise Refused(f"{address}: {refused}")

    return send


def _post(channels: Channels, digest: Digest) -> Callable[[], None]:
    def send() -> None:
        body = json.dumps(digest.payload(), ensure_ascii=False).encode("utf-8")
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Zwgk-Timestamp": stamp,
            "X-Zwgk-Signature": signature(channels.webhook_secret or "", stamp, body),
        }
        response = httpx.post(
            channels.webhook_url or "", content=body, headers=headers, timeout=TIMEOUT_S
        )
        if response.status_code >= 300:
            raise Refused(f"HTTP {response.status_code} from {channels.webhook_url}")

    return send
