"""Users and tokens in MongoDB, so a user registered on one replica logs in on any other.

Same contract and password hashing as jaclang's SQLite UserManager. Each request starts
with `aget_root_id`; there the process also forgets the graph it loaded for earlier
requests, so it reads what other replicas have committed since (core jaclang keeps a
process-wide working set, which is only right when one process owns the data).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from jaclang.runtimelib.server import UserManager
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from jac_scale.runtime.connection import check_reachable_once, database_for, with_retries
from jac_scale.runtime.schema import ANCHORS, USERS, ensure_schema
from jac_scale.runtime.settings import StoreSettings

SUPER_ROOT = UUID("00000000-0000-0000-0000-000000000000")


def _hash(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


@dataclass(eq=False)
class MongoUserManager(UserManager):
    """UserManager whose `users` live in the app's MongoDB database."""

    settings: StoreSettings | None = None
    _users: Collection | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        """No SQLite file: the users collection replaces `.jac/data/main.db`."""
        self._db_path = ""
        self._conn = None
        self._lock = threading.RLock()

    def _col(self) -> Collection:
        if self._users is None:
            assert self.settings is not None
            check_reachable_once(self.settings)
            db = database_for(self.settings)
            self._call("prepare the database", lambda: ensure_schema(db))
            self._users = db[USERS]
        return self._users

    def _call(self, what: str, operation: Any) -> Any:
        assert self.settings is not None
        return with_retries(self.settings, what, operation)

    def _ensure_connection(self) -> None:
        self._col()

    def _find(self, query: dict[str, Any]) -> dict[str, Any] | None:
        return self._call("read users", lambda: self._col().find_one(query))

    def create_user(self, username: str, password: str) -> dict[str, str]:
        """Register a user with a fresh root; a name taken on any replica is refused."""
        from jaclang import JacRuntime as Jac
        from jaclang.jac0core.constructs import Root

        if self._find({"username": username}) is not None:
            return {"error": "User already exists"}
        root_anchor = Root().__jac__
        Jac.save(root_anchor)
        Jac.commit(root_anchor)
        root_id = root_anchor.id.hex
        token = secrets.token_urlsafe(32)
        doc = {"username": username, "password_hash": _hash(password), "token": token}
        doc["root_id"] = root_id
        try:
            self._call("register a user", lambda: self._col().insert_one(doc))
        except DuplicateKeyError:
            if (self._find({"username": username}) or {}).get("token") == token:
                # Our own insert landed before a retried attempt: it is registered.
                return {"username": username, "token": token, "root_id": root_id}
            # Lost a race with another replica: drop the root we just made.
            database = self._col().database
            self._call(
                "clean up", lambda: database[ANCHORS].delete_one({"_id": str(root_anchor.id)})
            )
            return {"error": "User already exists"}
        return {"username": username, "token": token, "root_id": root_id}

    def authenticate(self, username: str, password: str) -> dict[str, str] | None:
        """Token and root for a correct password."""
        row = self._find({"username": username, "password_hash": _hash(password)})
        if row is None:
            return None
        return {"username": username, "token": row["token"], "root_id": row["root_id"]}

    def validate_token(self, token: str) -> str | None:
        """Username owning this token."""
        row = self._find({"token": token})
        return row["username"] if row else None

    def get_root_id(self, username: str) -> str | None:
        """The user's root node id."""
        row = self._find({"username": username})
        return row["root_id"] if row else None

    async def aget_root_id(self, username: str) -> str | None:
        """Start of every walker/function request: refresh the working set, then look up."""
        refresh_working_set()
        return await asyncio.to_thread(self.get_root_id, username)

    def get_user(self, username: str) -> dict[str, str] | None:
        """Public view of a user."""
        row = self._find({"username": username})
        if row is None:
            return None
        return {"email": username, "token": row["token"], "root_id": row["root_id"]}

    def user_exists(self, username: str) -> bool:
        """True if the name is registered on any replica."""
        return self._find({"username": username}) is not None

    def update_username(self, current_username: str, new_username: str) -> dict[str, str]:
        """Rename; the unique index settles races between replicas."""
        if self._find({"username": new_username}) is not None:
            return {"error": "Username already taken"}
        try:
            res = self._call(
                "rename a user",
                lambda: self._col().update_one(
                    {"username": current_username}, {"$set": {"username": new_username}}
                ),
            )
        except DuplicateKeyError:
            return {"error": "Username already taken"}
        if res.matched_count == 0:
            return {"error": "User not found"}
        row = self._find({"username": new_username}) or {}
        return {"username": new_username, "token": row["token"], "root_id": row["root_id"]}

    def update_password(
        self, username: str, current_password: str, new_password: str
    ) -> dict[str, str]:
        """Change a password after checking the current one."""
        if self._find({"username": username, "password_hash": _hash(current_password)}) is None:
            return {"error": "Current password is incorrect"}
        self._call(
            "change a password",
            lambda: self._col().update_one(
                {"username": username}, {"$set": {"password_hash": _hash(new_password)}}
            ),
        )
        return {"username": username, "message": "Password updated successfully"}

    def close(self) -> None:
        """The pooled client outlives this manager; nothing to close."""


def refresh_working_set() -> None:
    """Forget clean anchors the process-wide memory loaded for earlier requests.

    `jac start` serves one request at a time, so nothing is in flight here; the system
    root object stays (the server context holds it).
    """
    from jaclang import JacRuntime as Jac

    from jac_scale.runtime.mongo_memory import MongoMemory

    mem = Jac.get_context().mem
    l3 = getattr(mem, "l3", None)
    if not isinstance(l3, MongoMemory) or not mem.changes.is_empty():
        return
    working = mem.get_mem()
    for id in [i for i in working if i != SUPER_ROOT]:
        working.pop(id, None)
        if mem.l2 is not None:
            mem.l2.invalidate(id)
    l3.forget_clean(keep={SUPER_ROOT})
