"""zwgk — 政务公开 evaluation toolkit (command-line entry point and shared settings)."""

__version__ = "0.1.0"
