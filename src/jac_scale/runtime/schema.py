"""Collections and indexes of an app's database, created once per process."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from pymongo import ASCENDING
from pymongo.database import Database

FORMAT_VERSION = 1
ANCHORS = "anchors"
QUARANTINE = "anchors_quarantine"
ALIASES = "aliases"
META = "schema_meta"
USERS = "users"

_ready: set[tuple[int, str]] = set()
_lock = threading.Lock()


def now_iso() -> str:
    """Timestamps in the same ISO form SqliteMemory writes."""
    return datetime.now(UTC).isoformat()


def ensure_schema(db: Database) -> None:
    """Indexes the store's queries use: roots by type, edges by endpoint, users by token."""
    key = (id(db.client), db.name)
    with _lock:
        if key in _ready:
            return
        anchors = db[ANCHORS]
        anchors.create_index([("type", ASCENDING), ("arch_type", ASCENDING)])
        anchors.create_index([("source", ASCENDING)])
        anchors.create_index([("target", ASCENDING)])
        anchors.create_index([("edges", ASCENDING)])
        db[QUARANTINE].create_index([("quarantined_at", ASCENDING)])
        db[USERS].create_index([("username", ASCENDING)], unique=True)
        db[USERS].create_index([("token", ASCENDING)], unique=True)
        db[META].update_one(
            {"_id": "db_format_version"},
            {"$setOnInsert": {"value": str(FORMAT_VERSION)}},
            upsert=True,
        )
        _ready.add(key)
