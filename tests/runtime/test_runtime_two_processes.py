"""Two `jac start` processes of one app, in separate folders, sharing one MONGODB_URI."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from runtime_kit import JacServer, MongoStandin, copy_app
from testkit import free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pair(
    mongo: MongoStandin, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[JacServer, JacServer]]:
    root = tmp_path_factory.mktemp("pair")
    a = JacServer(copy_app(root / "a"), free_port(19600, 19700), mongo.uri)
    b = JacServer(copy_app(root / "b"), free_port(19700, 19800), mongo.uri)
    try:
        a.start()
        b.start()
        yield a, b
    finally:
        a.stop()
        b.stop()


def _items(server: JacServer, token: str) -> list[tuple[str, int, list[str]]]:
    return sorted(
        (r["name"], r["qty"], sorted(r["tags"])) for r in server.walker("ListItems", {}, token)
    )


def test_no_sqlite_file_and_user_registered_on_one_logs_in_on_the_other(pair) -> None:
    a, b = pair
    status, reply = a.register("ann", "pw-ann-1")
    assert status == 201 and reply["ok"], reply
    status, login = b.login("ann", "pw-ann-1")
    assert status == 200 and login["data"]["root_id"] == reply["data"]["root_id"]
    status, _ = b.login("ann", "wrong-password")
    assert status == 401
    status, again = b.register("ann", "other")
    assert status == 400 and again["error"]["code"] == "USER_EXISTS"
    for server in pair:
        assert not list((server.folder / ".jac").glob("data/*.db")), "SQLite used despite Mongo"


def test_nodes_written_on_one_are_read_on_the_other(pair) -> None:
    a, b = pair
    assert a.register("bob", "pw-bob-1")[0] == 201
    token = b.token("bob", "pw-bob-1")
    a.walker("AddItem", {"name": "pen", "qty": 2}, token)
    a.walker("TagItem", {"name": "pen", "label": "office"}, token)
    assert _items(b, token) == [("pen", 2, ["office"])]
    b.walker("SetQty", {"name": "pen", "qty": 7}, token)
    b.walker("AddItem", {"name": "cup", "qty": 1}, token)
    assert _items(a, token) == [("cup", 1, []), ("pen", 7, ["office"])]
    a.walker("DeleteItem", {"name": "cup"}, token)
    assert _items(b, token) == [("pen", 7, ["office"])]


def test_concurrent_updates_of_one_node_from_both_are_not_lost(pair) -> None:
    a, b = pair
    assert a.register("cat", "pw-cat-1")[0] == 201
    token = a.token("cat", "pw-cat-1")
    a.walker("Bump", {}, token)  # the counter node exists before the race

    def bump(i: int) -> tuple[int, object]:
        return (a if i % 2 else b).call("/walker/Bump", {}, token)

    def add(i: int) -> tuple[int, object]:
        return (a if i % 2 else b).call("/walker/AddItem", {"name": f"n{i}", "qty": i}, token)

    with ThreadPoolExecutor(max_workers=6) as pool:
        bumps = list(pool.map(bump, range(24)))
        adds = list(pool.map(add, range(12)))
    ok_bumps = sum(1 for status, reply in bumps if status == 200 and reply.get("ok"))
    assert ok_bumps > 0, bumps  # a call may end 409 after its replays; none may be lost
    assert a.walker("ReadCounter", {}, token) == [1 + ok_bumps]
    assert b.walker("ReadCounter", {}, token) == [1 + ok_bumps]
    ok_adds = {f"n{i}" for i, (status, reply) in enumerate(adds) if status == 200 and reply["ok"]}
    assert len(ok_adds) == 12
    assert {name for name, _, _ in _items(b, token)} == ok_adds


def test_data_survives_a_restart_of_every_process(pair, mongo: MongoStandin) -> None:
    a, b = pair
    assert b.register("dan", "pw-dan-1")[0] == 201
    token = b.token("dan", "pw-dan-1")
    b.walker("AddItem", {"name": "lamp", "qty": 3}, token)
    before = _items(a, token)
    a.stop()
    b.stop()
    mongo.stop()
    mongo.start()
    a.start()
    b.start()
    assert a.token("dan", "pw-dan-1") == token
    assert _items(b, token) == before == [("lamp", 3, [])]


def test_database_down_gives_a_clear_error_and_loses_no_committed_write(
    pair, mongo: MongoStandin
) -> None:
    a, b = pair
    assert a.register("eve", "pw-eve-1")[0] == 201
    token = a.token("eve", "pw-eve-1")
    for i in range(5):
        a.walker("AddItem", {"name": f"e{i}", "qty": i}, token)
    committed = _items(b, token)
    mongo.stop()
    try:
        status, reply = a.call("/walker/AddItem", {"name": "lost", "qty": 9}, token)
        assert status == 503, reply
        assert reply["error"]["code"] == "STORE_UNAVAILABLE"
        assert "MongoDB" in reply["error"]["message"] and "unreachable" in reply["error"]["message"]
        status, reply = b.call("/walker/ListItems", {}, token)
        assert status == 503, reply
    finally:
        mongo.start()
    assert _items(b, token) == committed, "a write committed before the outage was lost"
    a.walker("AddItem", {"name": "after", "qty": 1}, token)
    assert _items(b, token) == sorted([*committed, ("after", 1, [])])


def test_start_fails_clearly_when_the_database_cannot_be_reached(pair, tmp_path: Path) -> None:
    a, _ = pair
    folder = tmp_path / "down"
    shutil.copytree(a.folder, folder)  # keeps the compiled cache: no second compile
    closed = free_port(19800, 19900)
    server = JacServer(
        folder,
        free_port(19900, 20000),
        f"mongodb://scale:s3cret-pw@127.0.0.1:{closed}/?directConnection=true",
        extra_env={"JAC_SCALE_MONGODB_CONNECT_TIMEOUT": "2"},
    )
    process = server.launch()
    try:
        code = process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        server.stop()
        raise
    log = server.log.read_text(errors="replace")
    assert code != 0
    assert "cannot reach MongoDB" in log and "MONGODB_URI" in log
    assert "s3cret-pw" not in log


def test_check_then_create_race_between_processes_makes_one_node(pair) -> None:
    """Both replicas find no counter and create one: the version check keeps exactly one."""
    a, b = pair
    for n in range(3):
        assert a.register(f"race{n}", "pw-race-1")[0] == 201
        token = a.token(f"race{n}", "pw-race-1")
        barrier = threading.Barrier(2, timeout=30)

        def first_bump(
            server: JacServer, token: str = token, barrier: threading.Barrier = barrier
        ) -> tuple[int, object]:
            barrier.wait()
            return server.call("/walker/Bump", {}, token)

        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(first_bump, (a, b)))
        ok = sum(1 for status, reply in results if status == 200 and reply.get("ok"))
        assert ok >= 1, results
        assert b.walker("CountCounters", {}, token) == [1]
        assert a.walker("ReadCounter", {}, token) == [ok]
