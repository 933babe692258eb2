"""The read-only web dashboard of an open database (docs/DASHBOARD.md).

``db.serve_dashboard()`` starts it on its own threads and returns a
Dashboard; use it as a context manager, or call stop(). Closing the database
stops it too.
"""

from __future__ import annotations

from types import TracebackType
from typing import Optional, Type

from spirapi import _spirapi


class Dashboard:
    """A running dashboard: ``url`` to open in a browser, ``stop()`` to end it."""

    def __init__(self, handle: _spirapi.Dashboard) -> None:
        self._handle = handle

    @property
    def url(self) -> str:
        """``http://HOST:PORT/``."""
        return self._handle.url

    @property
    def port(self) -> int:
        """The TCP port it listens on (the one picked, when asked for 0)."""
        return self._handle.port

    @property
    def running(self) -> bool:
        """False once stopped (by stop(), or by closing the database)."""
        return self._handle.running

    def stop(self) -> None:
        """Stops serving and waits for the requests being answered. Idempotent."""
        self._handle.stop()

    def __enter__(self) -> "Dashboard":
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]],
                 exc: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<spirapi.Dashboard {self.url} {state}>"
