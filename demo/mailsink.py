"""The demo's mail server: a local SMTP sink (aiosmtpd) on a loopback port that `zwgk demo` sends
the daily patrol's digests to, as a unit's mail server would receive them. Each message is kept
whole as an `.eml` file (numbered in the order received, named after its recipient) in a folder
of the demo's, to be opened in any mail program.

It accepts every message and relays none: nothing leaves the machine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiosmtpd.controller import Controller

_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]+")


class MailSink:
    """An aiosmtpd handler writing each accepted message to ``folder`` as an .eml file."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.saved: list[Path] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        recipient = _UNSAFE.sub("_", envelope.rcpt_tos[0] if envelope.rcpt_tos else "nobody")
        path = self.folder / f"{len(self.saved) + 1:03d}-{recipient}.eml"
        part = path.with_suffix(".eml.part")  # whole or absent: renamed once written
        part.write_bytes(envelope.original_content or envelope.content)
        part.replace(path)
        self.saved.append(path)
        return "250 OK: kept"


@contextmanager
def mail_sink(folder: Path, port: int) -> Iterator[MailSink]:
    """A sink on 127.0.0.1:``port`` keeping messages in ``folder``; stopped on leaving."""
    folder.mkdir(parents=True, exist_ok=True)
    sink = MailSink(folder, port)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
