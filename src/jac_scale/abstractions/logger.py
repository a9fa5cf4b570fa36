"""The logging contract every target, provider and registry writes through."""

from abc import ABC, abstractmethod
from typing import Any


class Logger(ABC):
    """Four levels, each with a context dict rendered beside the message."""

    @abstractmethod
    def info(self, message: str, context: dict[str, Any] | None = None) -> None: ...

    @abstractmethod
    def error(self, message: str, context: dict[str, Any] | None = None) -> None: ...

    @abstractmethod
    def warn(self, message: str, context: dict[str, Any] | None = None) -> None: ...

    @abstractmethod
    def debug(self, message: str, context: dict[str, Any] | None = None) -> None: ...


class NullLogger(Logger):
    """Default when nobody injects a logger, so call sites never check for None."""

    def info(self, message: str, context: dict[str, Any] | None = None) -> None:
        return None

    def error(self, message: str, context: dict[str, Any] | None = None) -> None:
        return None

    def warn(self, message: str, context: dict[str, Any] | None = None) -> None:
        return None

    def debug(self, message: str, context: dict[str, Any] | None = None) -> None:
        return None
