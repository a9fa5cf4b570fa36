"""jaclang hook implementations, registered under the `jac` entry-point group.

Inert unless MONGODB_URI is set: each hook then returns None and core jaclang's
defaults (SQLite under `.jac/data/`) apply unchanged. jaclang offers no hook for its L2
cache tier (TieredMemory always builds a LocalCacheMemory), so REDIS_URL is not used here.
"""

from __future__ import annotations

from typing import Any

from jaclang.jac0core.runtime import hookimpl

from jac_scale.runtime.settings import StoreSettings


class JacScaleRuntime:
    """MongoDB-backed PersistentMemory and UserManager for `jac start`."""

    @staticmethod
    @hookimpl
    def get_persistent_memory(config: dict) -> Any:
        """L3 store for TieredMemory; no I/O here (connects on first use)."""
        settings = StoreSettings.from_env(config.get("base_path"))
        if settings is None:
            return None
        from jac_scale.runtime.mongo_memory import MongoMemory

        return MongoMemory(settings=settings)

    @staticmethod
    @hookimpl
    def get_user_manager(base_path: str) -> Any:
        """Called once as the API server starts: checks the database is reachable."""
        settings = StoreSettings.from_env(base_path)
        if settings is None:
            return None
        from jac_scale.runtime.connection import check_reachable
        from jac_scale.runtime.user_manager import MongoUserManager

        check_reachable(settings)
        return MongoUserManager(base_path=base_path, settings=settings)

    @staticmethod
    @hookimpl
    def create_server(jac_server: Any, host: str, port: int, max_retries: int = 10) -> Any:
        """Core's server, with a handler that answers 503 when the database is down."""
        if StoreSettings.from_env(jac_server.base_path or None) is None:
            return None
        from jaclang.jac0core.runtime import JacRuntimeImpl

        from jac_scale.runtime.http_guard import guard_handler

        server = JacRuntimeImpl.create_server(jac_server, host, port, max_retries)
        server.RequestHandlerClass = guard_handler(server.RequestHandlerClass)
        return server
