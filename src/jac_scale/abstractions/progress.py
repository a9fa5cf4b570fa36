"""Progress on long waits: targets report, the CLI decides how to show it."""

from typing import Protocol


class Progress(Protocol):
    """A target calls `update` while it waits; the CLI shows it as a spinner line."""

    def update(self, message: str) -> None: ...


class NullProgress:
    """Default reporter for library use: says nothing."""

    def update(self, message: str) -> None:
        return None
