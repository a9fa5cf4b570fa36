"""One pooled MongoClient per URI, a start-up reachability check and bounded retries.

Every request of a `jac start` process shares the client; errors that a retry can cure
(network blips, a primary stepping down) are retried a few times, then surface as one
clear `StoreUnavailableError` instead of a driver traceback.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import ConnectionFailure, OperationFailure

from jac_scale.runtime.settings import StoreSettings, mask_uri

logger = logging.getLogger(__name__)

_clients: dict[str, MongoClient] = {}
_reached: set[str] = set()
_lock = threading.Lock()


class StoreUnavailableError(RuntimeError):
    """The app's MongoDB cannot be reached; nothing was written by the failed call."""


def client_for(settings: StoreSettings) -> MongoClient:
    """The process-wide client for this URI (connects lazily, pools connections)."""
    with _lock:
        client = _clients.get(settings.uri)
        if client is None:
            client = MongoClient(
                settings.uri,
                serverSelectionTimeoutMS=settings.attempt_timeout_ms,
                connectTimeoutMS=settings.attempt_timeout_ms,
                appname="jac-scale-runtime",
                uuidRepresentation="standard",
            )
            _clients[settings.uri] = client
        return client


def database_for(settings: StoreSettings) -> Database:
    """The app's own database."""
    return client_for(settings)[settings.database]


def _transient(error: Exception) -> bool:
    if isinstance(error, ConnectionFailure):
        return True
    return isinstance(error, OperationFailure) and (
        error.has_error_label("RetryableWriteError")
        or error.has_error_label("TransientTransactionError")
    )


def unavailable(settings: StoreSettings, what: str, error: Exception) -> StoreUnavailableError:
    """Build the one error message users see when the database is down."""
    return StoreUnavailableError(
        f"jac-scale runtime store: MongoDB at {mask_uri(settings.uri)} is unreachable "
        f"while trying to {what} ({type(error).__name__}: {mask_uri(str(error))[:300]}). "
        "Nothing from this call was committed; retry once the database is back."
    )


def with_retries[T](settings: StoreSettings, what: str, operation: Callable[[], T]) -> T:
    """Run `operation`, retrying transient failures a bounded number of times."""
    delay = 0.2
    for attempt in range(1, settings.retry_attempts + 1):
        try:
            return operation()
        except Exception as error:
            if not _transient(error):
                raise
            if attempt == settings.retry_attempts:
                raise unavailable(settings, what, error) from error
            logger.warning("jac-scale store: %s failed (%s); retrying", what, error)
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    raise AssertionError("unreachable")  # pragma: no cover


def check_reachable(settings: StoreSettings) -> None:
    """Fail start-up clearly when the database cannot be reached within the timeout."""
    client = client_for(settings)
    deadline = time.monotonic() + settings.connect_timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            client.admin.command("ping")
            _reached.add(settings.uri)
            return
        except ConnectionFailure as error:
            last = error
            time.sleep(0.2)
    raise StoreUnavailableError(
        f"jac-scale runtime store: cannot reach MongoDB at {mask_uri(settings.uri)} "
        f"(MONGODB_URI) within {settings.connect_timeout_s:.0f}s: {last}. "
        "Start the database or fix MONGODB_URI, or unset it to use local SQLite."
    )


def check_reachable_once(settings: StoreSettings) -> None:
    """The start-up check, done by whichever part of the runtime touches the store first."""
    if settings.uri not in _reached:
        check_reachable(settings)
