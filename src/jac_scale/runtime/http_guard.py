"""Answer 503 with the store's message when the database is down mid-request.

jaclang's request handler lets an exception from the user store escape, which drops the
connection without a reply; clients then see an empty response instead of the reason.
"""

from __future__ import annotations

import json
from typing import Any

from jac_scale.runtime.connection import StoreUnavailableError


def guard_handler(handler_cls: type) -> type:
    """Subclass jaclang's handler so a StoreUnavailableError becomes a JSON 503."""

    class StoreGuardedHandler(handler_cls):  # type: ignore[misc, valid-type]
        def handle_one_request(self) -> None:
            try:
                super().handle_one_request()
            except StoreUnavailableError as error:
                _send_503(self, str(error))

    StoreGuardedHandler.__name__ = f"StoreGuarded{handler_cls.__name__}"
    return StoreGuardedHandler


def _send_503(handler: Any, message: str) -> None:
    body = json.dumps(
        {
            "ok": False,
            "type": "error",
            "data": None,
            "error": {"code": "STORE_UNAVAILABLE", "message": message},
        }
    ).encode()
    try:
        handler.send_response(503)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Retry-After", "5")
        handler.end_headers()
        handler.wfile.write(body)
    except OSError:
        pass
    handler.close_connection = True
