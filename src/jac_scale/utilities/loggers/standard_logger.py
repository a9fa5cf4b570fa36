"""The default logger: Python logging, context beside each message, secrets masked."""

import json
import logging
import sys
from typing import Any

from jac_scale.abstractions.logger import Logger
from jac_scale.utilities.redaction import redact, redact_text

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


class _Formatter(logging.Formatter):
    def __init__(self, as_json: bool) -> None:
        super().__init__()
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        context: dict[str, Any] = getattr(record, "jac_context", {}) or {}
        message = redact_text(record.getMessage())
        if self.as_json:
            return json.dumps(
                {"level": record.levelname.lower(), "message": message, **context},
                default=str,
            )
        rendered = " ".join(f"{k}={v}" for k, v in context.items())
        return f"{record.levelname.lower():5} {message}" + (f" [{rendered}]" if rendered else "")


class StandardLogger(Logger):
    """Config keys: `level` (debug/info/warn/error), `format` (text/json), `name`, `stream`."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        config = dict(config or {})
        level_name = str(config.get("level", "info")).lower()
        if level_name not in _LEVELS:
            raise ValueError(f"logger level {level_name!r}; allowed: debug, info, warn, error")
        fmt = str(config.get("format", "text")).lower()
        if fmt not in ("text", "json"):
            raise ValueError(f"logger format {fmt!r}; allowed: text, json")
        self._logger = logging.getLogger(str(config.get("name", "jac_scale")))
        self._logger.setLevel(_LEVELS[level_name])
        self._logger.propagate = False
        self._logger.handlers.clear()
        handler = logging.StreamHandler(config.get("stream") or sys.stderr)
        handler.setFormatter(_Formatter(as_json=fmt == "json"))
        self._logger.addHandler(handler)

    def _log(self, level: int, message: str, context: dict[str, Any] | None) -> None:
        if self._logger.isEnabledFor(level):
            self._logger.log(level, message, extra={"jac_context": redact(dict(context or {}))})

    def info(self, message: str, context: dict[str, Any] | None = None) -> None:
        self._log(logging.INFO, message, context)

    def error(self, message: str, context: dict[str, Any] | None = None) -> None:
        self._log(logging.ERROR, message, context)

    def warn(self, message: str, context: dict[str, Any] | None = None) -> None:
        self._log(logging.WARNING, message, context)

    def debug(self, message: str, context: dict[str, Any] | None = None) -> None:
        self._log(logging.DEBUG, message, context)
