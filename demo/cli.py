"""`zwgk demo …` — the bundled sample portal: generate, serve, advance."""

from __future__ import annotations

import typer

app = typer.Typer(help="The bundled sample portal (a generated city of government sites).")
