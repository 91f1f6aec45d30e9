"""Host addresses as the crawler's address policy sees them (`crawler.netpolicy`).

An address literal in any spelling the system resolver accepts (`0x7f.1`, `2130706433`,
`0177.0.0.1`, `127.1`, `[::1]`, `[::ffff:127.0.0.1]`, full-width digits and dots …) is read as
the one address it stands for; an IPv6 address carrying an IPv4 one is that IPv4 address; and
`non_public_kind` says, in Chinese for the stored reason, why an address is not a public one
(loopback, link-local, private …). Plain functions, no Scrapy: the policy decides what to do.
"""

from __future__ import annotations

import ipaddress
import socket
import unicodedata
from urllib.parse import unquote

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Names every resolver maps to this machine (RFC 6761: anything under .localhost is loopback).
LOCAL_NAMES = frozenset(
    {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "localhost6"}
)
# Dots the IDNA encoder (and so Twisted) turns into "." — 。．｡
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_V4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def normalise_host(host: str) -> str:
    """A URL's host as a resolver sees it: %-decoded, NFKC (full-width digits and dots become
    ASCII, as IDNA does), lower case, without brackets or a trailing dot."""
    host = unicodedata.normalize("NFKC", unquote(host)).translate(_DOTS).strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host[:-1] if host.endswith(".") else host


def literal_address(host: str) -> Address | None:
    """The address a host *literal* stands for, in any spelling the system resolver accepts
    (inet_aton's: `0x7f.1`, `2130706433`, `0177.0.0.1`, `127.1`; IPv6 with or without a zone),
    or None for a name."""
    host = normalise_host(host)
    if not host:
        return None
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            return None
    try:
        # The C library's own parser: exactly the spellings gethostbyname takes as a number.
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def _embedded_v4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv6 one that reaches it (mapped, 6to4, NAT64, compatible)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _V4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def canonical(address: Address) -> Address:
    """One address, one spelling: an IPv6 address that carries an IPv4 one is that IPv4
    address; the zone of a link-local address is dropped."""
    inner = _embedded_v4(address)
    if inner is not None:
        return inner
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        return ipaddress.IPv6Address(address.compressed.split("%", 1)[0])
    return address


def non_public_kind(address: Address) -> str | None:
    """Why the crawler must not connect to this address (Chinese, for the stored reason), or
    None for a public unicast address. An IPv6 address carrying an IPv4 one is judged by the
    IPv4 address it reaches."""
    reached = canonical(address)
    for test, kind in (
        ("is_loopback", "本机回环地址"),
        ("is_link_local", "链路本地地址"),
        ("is_unspecified", "未指定地址"),
        ("is_multicast", "组播地址"),
        ("is_reserved", "保留地址"),
        ("is_private", "内网地址"),
    ):
        if getattr(reached, test):
            return kind
    if not reached.is_global:
        return "非公网地址"  # 100.64.0.0/10 (carrier NAT) and the like
    return None
