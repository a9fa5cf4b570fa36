"""The same walker calls give the same results with core SQLite and with the MongoDB store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from runtime_kit import JacServer, MongoStandin, copy_app
from testkit import free_port

from jac_scale.runtime.plugin import JacScaleRuntime

pytestmark = pytest.mark.slow

USERS = [("uma", "pw-uma-1"), ("vic", "pw-vic-1"), ("wes", "pw-wes-1")]
STEPS: list[tuple[str | None, str, dict[str, Any]]] = [
    ("uma", "AddItem", {"name": "a", "qty": 1}),
    ("uma", "AddItem", {"name": "b", "qty": 2}),
    ("vic", "AddItem", {"name": "c", "qty": 3}),
    ("uma", "SetQty", {"name": "a", "qty": 5}),
    ("uma", "TagItem", {"name": "a", "label": "x"}),
    ("uma", "TagItem", {"name": "a", "label": "y"}),
    ("vic", "TagItem", {"name": "c", "label": "z"}),
    ("uma", "Untag", {"name": "a", "label": "x"}),
    ("uma", "DeleteItem", {"name": "b"}),
    ("wes", "ListItems", {}),
    ("uma", "ListItems", {}),
    ("vic", "ListItems", {}),
    ("uma", "Bump", {}),
    ("uma", "Bump", {}),
    ("vic", "Bump", {}),
    ("uma", "ReadCounter", {}),
    ("vic", "ReadCounter", {}),
    ("wes", "ReadCounter", {}),
    ("vic", "DeleteItem", {"name": "c"}),
    ("vic", "ListItems", {}),
    (None, "AddItem", {"name": "g", "qty": 9}),
    (None, "ListItems", {}),
    ("uma", "ListItems", {}),
]


def _normalize(value: Any) -> Any:
    """Drop generated ids; order lists canonically (edge order is a set in both stores)."""
    if isinstance(value, dict):
        return {k: _normalize(v) for k, v in value.items() if k != "_jac_id"}
    if isinstance(value, list):
        items = [_normalize(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return value


def _run(server: JacServer) -> list[Any]:
    results: list[Any] = []
    tokens: dict[str | None, str | None] = {None: None}
    for name, password in USERS:
        status, reply = server.register(name, password)
        results.append((status, sorted(reply["data"])))
        tokens[name] = server.token(name, password)
    for user, walker, body in STEPS:
        status, reply = server.call(f"/walker/{walker}", body, tokens[user])
        results.append((walker, status, reply["ok"], _normalize(reply["data"]["reports"])))
    results.append(server.login("uma", "not-the-password")[0])
    return results


def test_plugin_is_inert_without_mongodb_uri(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MONGODB_URI", raising=False)
    assert JacScaleRuntime.get_persistent_memory({"base_path": "/tmp", "db_path": "x"}) is None
    assert JacScaleRuntime.get_user_manager("/tmp") is None
    monkeypatch.setenv("MONGODB_URI", "   ")
    assert JacScaleRuntime.get_persistent_memory({"base_path": "/tmp"}) is None


def test_same_walker_calls_same_results_sqlite_and_mongodb(
    mongo: MongoStandin, tmp_path: Path
) -> None:
    sqlite = JacServer(copy_app(tmp_path / "sqlite"), free_port(19600, 19800), None)
    store = JacServer(copy_app(tmp_path / "mongo"), free_port(19800, 20000), mongo.uri)
    try:
        sqlite.start()
        store.start()
        with_sqlite = _run(sqlite)
        with_mongo = _run(store)
    finally:
        sqlite.stop()
        store.stop()
    assert with_mongo == with_sqlite
    # The sequence really exercised the graph: items, tags, a counter, a delete.
    assert ("ReadCounter", 200, True, [2]) in with_sqlite
    assert ("ListItems", 200, True, [{"name": "a", "qty": 5, "tags": ["y"]}]) in with_sqlite
    # Without MONGODB_URI core jaclang keeps SQLite under .jac/data; with it, nothing there.
    assert list((sqlite.folder / ".jac" / "data").glob("*.db"))
    assert not list((store.folder / ".jac").glob("data/*.db"))
