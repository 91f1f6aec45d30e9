"""The benchmark's clients (benchmarks/portal.py): each a browser that keeps its cookies and
does not follow redirects, over aiohttp.

aiohttp rather than httpx because the clients run on the machine they measure: per request of a
list page (57 KB), httpx's client spent 1.2 ms of CPU and aiohttp's 0.24 ms (measured, 20
clients at once against one server) — CPU otherwise taken from the portal and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

TIMEOUT = aiohttp.ClientTimeout(total=120)
Error = aiohttp.ClientError  # what a failed request raises


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Client:
    """One browser: its own connection and cookies (the session cookie, the sign-in form's)."""

    def __init__(self, base: str) -> None:
        # unsafe: keep cookies of an IP address (127.0.0.1), as a browser does
        jar = aiohttp.CookieJar(unsafe=True)
        self.session = aiohttp.ClientSession(base, cookie_jar=jar, timeout=TIMEOUT)

    async def get(self, path: str) -> Answer:
        async with self.session.get(path, allow_redirects=False) as response:
            return Answer(response.status, await response.read())

    async def post(self, path: str, data: dict[str, str]) -> Answer:
        async with self.session.post(path, data=data, allow_redirects=False) as response:
            return Answer(response.status, await response.read())

    async def close(self) -> None:
        await self.session.close()
