"""The transport seam: one async source of notifications, used as an async context manager."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Self

from anklet.transport._notification import Notification


class Transport(ABC):
    """Where notifications come from: virtual sensors, BLE sensors, a recording.

    ``async with transport:`` acquires the sensors and releases them on exit;
    ``notifications()`` yields them in arrival order until the source ends.
    """

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None

    @abstractmethod
    def notifications(self) -> AsyncIterator[Notification]:
        """Yield notifications as they arrive."""
