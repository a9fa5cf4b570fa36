"""A unit of work is all-or-nothing: a write conflict takes back what the unit already wrote.

Two MongoMemory instances on one database stand for two replicas. Replica 1 commits one
changeset (create C, update A, update B); replica 2 changes B after replica 1 has passed its
up-front version check and written C and A, so replica 1 loses the race on B. As with
SqliteMemory's rollback, C and A must then be as they were before (A: same content and
revision), unless another replica wrote them since, whose write then stays.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from jaclang.lib import Node
from jaclang.runtimelib.changeset import ApplyReport, ChangeSet
from runtime_kit import MongoStandin

from jac_scale.runtime.mongo_memory import MongoMemory
from jac_scale.runtime.schema import ANCHORS
from jac_scale.runtime.settings import StoreSettings


class Box(Node):
    """A node with one field each replica updates."""

    label: str = ""
    n: int = 0


def _memory(settings: StoreSettings) -> MongoMemory:
    return MongoMemory(settings=settings)


def _doc(mem: MongoMemory, node_id: uuid.UUID) -> dict[str, Any] | None:
    return mem._col(ANCHORS).find_one({"_id": str(node_id)})


def _set_n(mem: MongoMemory, node_id: uuid.UUID, n: int) -> Any:
    anchor = mem.get(node_id)
    assert anchor is not None
    anchor.archetype.n = n
    return anchor


def _commit(mem: MongoMemory, updates: dict[uuid.UUID, int], create: Any = None) -> ApplyReport:
    changes = ChangeSet()
    if create is not None:
        changes.record_create(create.__jac__)
    for node_id, n in updates.items():
        changes.record_update(_set_n(mem, node_id, n), {"n"})
    return mem.apply(changes)


def _after_write(mem: MongoMemory, node_id: uuid.UUID, action: Callable[[], None]) -> None:
    """Run `action` right after `mem` has written `node_id` (the other replica's move)."""
    original = mem._apply_one

    def patched(intent, *args):
        original(intent, *args)
        if intent.anchor.id == node_id:
            action()

    mem._apply_one = patched  # type: ignore[method-assign]


@pytest.fixture
def settings(mongo: MongoStandin) -> StoreSettings:
    return StoreSettings(uri=mongo.uri, database=f"jac_atomic_{uuid.uuid4().hex[:8]}")


@pytest.fixture
def stored(settings: StoreSettings) -> tuple[uuid.UUID, uuid.UUID]:
    """Nodes A and B, committed."""
    a, b = Box(label="a", n=1), Box(label="b", n=1)
    changes = ChangeSet()
    for node in (a, b):
        changes.record_create(node.__jac__)
    report = _memory(settings).apply(changes)
    assert not report.conflicts and not report.failed, report.failed
    return a.__jac__.id, b.__jac__.id


def test_conflict_on_a_later_write_rolls_back_the_earlier_ones(settings, stored) -> None:
    a, b = stored
    replica1, replica2, reader = _memory(settings), _memory(settings), _memory(settings)
    a_before = _doc(reader, a)
    new = Box(label="c", n=7)
    _after_write(replica1, a, lambda: _commit(replica2, {b: 50}))
    report = _commit(replica1, {a: 10, b: 20}, create=new)

    assert [wc.anchor_id for wc in report.conflicts] == [b]
    assert b in report.failed and report.applied == []
    assert _doc(reader, a) == a_before  # same content, same revision
    assert _doc(reader, new.__jac__.id) is None  # the create is taken back too
    assert _memory(settings).get(b).archetype.n == 50  # the winner's write stands

    replay = _commit(_memory(settings), {a: 10, b: 20}, create=Box(label="c", n=7))
    assert not replay.conflicts and not replay.failed  # the replay then goes through
    assert _doc(reader, a)["_rev"] == a_before["_rev"] + 1


def test_rollback_never_undoes_another_replicas_newer_write(settings, stored) -> None:
    a, b = stored
    replica1, replica2, replica3 = _memory(settings), _memory(settings), _memory(settings)

    def others_write() -> None:
        assert not _commit(replica3, {a: 99}, create=None).conflicts  # builds on replica1's A
        assert not _commit(replica2, {b: 50}).conflicts

    _after_write(replica1, a, others_write)
    report = _commit(replica1, {a: 10, b: 20})

    assert [wc.anchor_id for wc in report.conflicts] == [b]
    assert _memory(settings).get(a).archetype.n == 99  # left as replica 3 wrote it
    assert _memory(settings).get(b).archetype.n == 50
