"""MongoDB L3 store for jaclang's TieredMemory: every replica of an app shares one graph.

It mirrors SqliteMemory operation by operation. SQLite wraps a unit of work in one
transaction; MongoDB (standalone) has none, so this store follows the contract
`PersistentMemory.apply` gives non-transactional backends: stage order plus `depends_on`
(a truncated flush leaves at most an orphan, never a dangling reference). Each document
carries a revision `_rev`, and every merge-write is a compare-and-set on it, so two
processes never overwrite each other's documents blindly.

Version checks: an edge-list change made after reading the node CASes on the node's
`version` (as in SqliteMemory); in addition a changed field CASes on the value this
process loaded, so concurrent read-modify-write of one field conflicts (the server then
replays the walker) instead of silently keeping only the last writer's value.

All-or-nothing on conflict: SqliteMemory rolls a unit back when one of its writes
conflicts. Here every version condition is checked before anything is written, and if a
later write still loses a race, each document this unit already wrote is put back as it
was (content, `_rev` and write stamp `_w`), each by a compare-and-set on the revision and
stamp this unit left on it, so a newer write by another process is never undone. `_w` is
unique per unit of work, so a (`_rev`, `_w`) pair never names two different contents and a
restored revision cannot be mistaken for a later write. A process that reads such a write in
the short window before it is taken back, and writes that document on top, keeps it: the
rollback leaves documents written since alone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar
from uuid import UUID, uuid4

from jaclang.jac0core.archetype import Anchor, NodeAnchor, Root
from jaclang.runtimelib.changeset import ApplyReport, ChangeSet, WriteIntent, snapshot_field_hashes
from jaclang.runtimelib.exceptions import WriteConflict
from jaclang.runtimelib.memory import PersistentMemory
from jaclang.runtimelib.serializer import Serializer
from jaclang.runtimelib.typecache import get_field_types
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from jac_scale.runtime import topology_merge
from jac_scale.runtime.connection import (
    StoreUnavailableError,
    check_reachable_once,
    database_for,
    with_retries,
)
from jac_scale.runtime.documents import anchor_to_doc, doc_to_anchor, field_hashes
from jac_scale.runtime.operator_surface import OperatorSurface
from jac_scale.runtime.schema import ANCHORS, ensure_schema
from jac_scale.runtime.settings import StoreSettings, mask_uri

logger = logging.getLogger(__name__)
T = TypeVar("T")
MAX_CAS_ROUNDS = 25
_DELETE = object()


@dataclass(frozen=True)
class _Undo:
    """How to take back one write of a unit: the document before it, and what it left."""

    key: str
    before: dict[str, Any] | None  # None: the unit created the document
    after_rev: int | None  # None: the unit deleted the document


@dataclass(eq=False)
class MongoMemory(OperatorSurface, PersistentMemory):
    """PersistentMemory over one app database; shares the process's pooled client."""

    settings: StoreSettings
    _mem: dict[UUID, Anchor] = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _db: Database | None = field(default=None, repr=False)
    l3_fetch_count: int = 0

    def __post_init__(self) -> None:
        """No I/O here: TieredMemory swallows constructor errors and would fall back to SQLite."""

    # ---- plumbing ------------------------------------------------------------------
    def _database(self) -> Database:
        if self._db is None:
            check_reachable_once(self.settings)
            db = database_for(self.settings)
            with_retries(self.settings, "prepare the database", lambda: ensure_schema(db))
            self._db = db
        return self._db

    def _col(self, name: str) -> Collection:
        return self._database()[name]

    def _call(self, what: str, operation: Callable[[], T]) -> T:
        return with_retries(self.settings, what, operation)

    def _location(self) -> str:
        return f"{mask_uri(self.settings.uri)} database {self.settings.database}"

    # ---- Memory interface ----------------------------------------------------------
    def is_available(self) -> bool:
        """True once the database has been reached."""
        return self._db is not None

    def get(self, id: UUID) -> Anchor | None:
        """Working set first, then the database; unreadable documents are quarantined."""
        if (anchor := self._mem.get(id)) is not None:
            return anchor
        doc = self._call("read a node", lambda: self._col(ANCHORS).find_one({"_id": str(id)}))
        if doc is None:
            return None
        self.l3_fetch_count += 1
        loaded = self._load(doc)
        if loaded is None:
            return None
        with self._lock:
            self._mem[id] = loaded
        snapshot_field_hashes(loaded)
        _remember_topology(loaded)
        return loaded

    def _load(self, doc: dict[str, Any]) -> Anchor | None:
        module, arch_type, fp = doc.get("arch_module"), doc.get("arch_type"), doc.get("fingerprint")
        if module and arch_type and fp:
            cls = Serializer._get_class(module, arch_type)
            current = getattr(cls, "__jac_fingerprint__", None) if cls else None
            if current and current != fp:
                logger.info("schema drift on %s.%s (anchor %s)", module, arch_type, doc["_id"])
        try:
            anchor = doc_to_anchor(doc)
        except Exception as e:
            logger.warning("failed to deserialize anchor %s: %s; quarantining", doc["_id"], e)
            self._quarantine_doc(doc, f"deserialize error: {type(e).__name__}: {e}")
            return None
        if anchor is None:
            resolved = Serializer._get_class(module, arch_type) if module and arch_type else None
            reason = (
                f"class {module}.{arch_type} unresolvable"
                if resolved is None
                else f"archetype field deserialization failed: {module}.{arch_type}"
            )
            logger.warning("anchor %s: %s; quarantining", doc["_id"], reason)
            self._quarantine_doc(doc, reason)
            return None
        return anchor

    def put(self, anchor: Anchor) -> None:
        """Administrative write-through (the runtime itself only writes through apply)."""
        self._mem[anchor.id] = anchor
        if not anchor.persistent or not anchor.is_populated():
            return
        try:
            doc = anchor_to_doc(anchor)
        except (AttributeError, ModuleNotFoundError):
            return
        try:
            self._call(
                "write a node",
                lambda: self._col(ANCHORS).update_one(
                    {"_id": str(anchor.id)},
                    {"$set": {**doc, "_w": uuid4().hex}, "$inc": {"_rev": 1}},
                    upsert=True,
                ),
            )
        except Exception as e:
            logger.warning("MongoMemory.put: failed to persist %s: %s", anchor.id, e)

    def delete(self, id: UUID) -> None:
        """Drop from the working set; the document goes only via a delete intent in apply."""
        self._mem.pop(id, None)

    def close(self) -> None:
        """Forget the working set; the pooled client stays open for the next request."""
        self._mem.clear()

    def has(self, id: UUID) -> bool:
        """In the working set or stored."""
        if id in self._mem:
            return True
        found = self._call(
            "look up a node",
            lambda: self._col(ANCHORS).find_one({"_id": str(id)}, {"_id": 1}),
        )
        return found is not None

    def query(self, filter: Callable[[Anchor], bool] | None = None) -> Generator[Anchor]:
        """The working set, filtered (SqliteMemory.query scans only memory too)."""
        for anchor in list(self._mem.values()):
            if filter is None or filter(anchor):
                yield anchor

    def get_roots(self) -> Generator[Root]:
        """Every root: loaded ones, then stored ones (class resolved without loading data)."""
        seen: set[UUID] = set()
        for anchor in list(self._mem.values()):
            if isinstance(anchor.archetype, Root):
                seen.add(anchor.id)
                yield anchor.archetype
        rows = self._call(
            "list roots",
            lambda: list(
                self._col(ANCHORS).find({"type": "NodeAnchor"}, {"arch_module": 1, "arch_type": 1})
            ),
        )
        for row in rows:
            uid = UUID(row["_id"])
            module, arch_type = row.get("arch_module"), row.get("arch_type")
            if uid in seen or not module or not arch_type:
                continue
            cls = Serializer._get_class(module, arch_type)
            if isinstance(cls, type) and issubclass(cls, Root):
                anchor = self.get(uid)
                if anchor is not None and isinstance(anchor.archetype, Root):
                    seen.add(uid)
                    yield anchor.archetype

    def find(
        self, ids: UUID | Iterable[UUID], filter: Callable[[Anchor], Anchor] | None = None
    ) -> Generator[Anchor]:
        """Load each id; skip missing ones."""
        for id in [ids] if isinstance(ids, UUID) else list(ids):
            if (anchor := self.get(id)) is not None and (filter is None or filter(anchor)):
                yield anchor

    def find_one(
        self, ids: UUID | Iterable[UUID], filter: Callable[[Anchor], Anchor] | None = None
    ) -> Anchor | None:
        """First id that loads (and passes the filter)."""
        return next(iter(self.find(ids, filter)), None)

    def commit(self, anchor: Anchor | None = None) -> None:
        """Nothing to do: the runtime flushes through apply()."""

    def get_mem(self) -> dict[UUID, Anchor]:
        """The working set."""
        return self._mem

    def forget_clean(self, keep: set[UUID]) -> None:
        """Drop loaded anchors so the next request reads what other replicas committed."""
        with self._lock:
            for id in [i for i in self._mem if i not in keep]:
                self._mem.pop(id, None)

    # ---- unit of work --------------------------------------------------------------
    def apply(self, changeset: ChangeSet) -> ApplyReport:
        """Flush in stage order, honouring depends_on; a conflict takes the unit back."""
        report = ApplyReport()
        if changeset.is_empty():
            return report
        stages = changeset.staged()
        early = self._precheck([i for stage in stages for i in stage if _checked(i)])
        if early:
            for wc in early:
                report.failed[wc.anchor_id] = wc.message()
                report.conflicts.append(wc)
            return report
        poisoned: set[UUID] = set()
        stamp, undo = uuid4().hex, []
        for stage in stages:
            for intent in sorted(stage, key=lambda i: not _checked(i)):
                self._apply_guarded(intent, report, poisoned, stamp, undo)
        if report.conflicts:
            # Like SQLite's rollback: put back what this unit wrote; the request boundary
            # then aborts and replays. Should the database go away meanwhile, the unit stays
            # partly written, as a flush cut short would (never a dangling reference).
            self._roll_back(undo, stamp)
            report.applied = []
        return report

    def _roll_back(self, undo: list[_Undo], stamp: str) -> None:
        """Undo this unit's writes, newest first, each only if nobody wrote it since."""
        anchors = self._col(ANCHORS)
        for step in reversed(undo):
            mine = {"_id": step.key, "_rev": step.after_rev, "_w": stamp}
            if step.after_rev is None:
                try:
                    self._call("restore a node", partial(anchors.insert_one, step.before))
                    done = True
                except DuplicateKeyError:
                    done = False  # created again by another writer meanwhile: theirs stays
            elif step.before is None:
                res = self._call("restore a node", partial(anchors.delete_one, mine))
                done = res.deleted_count > 0
            else:
                res = self._call("restore a node", partial(anchors.replace_one, mine, step.before))
                done = res.matched_count > 0
            if not done:
                logger.warning(
                    "MongoMemory.apply: not rolling back %s: written by another process since",
                    step.key,
                )

    def _apply_guarded(
        self,
        intent: WriteIntent,
        report: ApplyReport,
        poisoned: set,
        stamp: str,
        undo: list[_Undo],
    ) -> None:
        aid = intent.anchor.id
        if report.conflicts:
            report.failed[aid] = "not applied: the unit hit a write conflict"
            return
        if deps := intent.depends_on & poisoned:
            report.skipped[aid] = f"dependency {next(iter(deps))} failed"
            poisoned.add(aid)
            return
        try:
            self._apply_one(intent, stamp, undo)
            report.applied.append(aid)
        except WriteConflict as wc:
            poisoned.add(aid)
            report.failed[aid] = wc.message()
            report.conflicts.append(wc)
        except StoreUnavailableError:
            raise
        except (AttributeError, ModuleNotFoundError) as se:
            poisoned.add(aid)
            report.failed[aid] = str(se)
        except Exception as e:
            poisoned.add(aid)
            report.failed[aid] = str(e)
            logger.error("MongoMemory.apply: %s failed for %s: %s", intent.op.name, aid, e)

    def _precheck(self, intents: list[WriteIntent]) -> list[WriteConflict]:
        """Check every version condition before writing anything."""
        if not intents:
            return []
        ids = [str(i.anchor.id) for i in intents]
        docs = self._call(
            "read nodes",
            lambda: {d["_id"]: d for d in self._col(ANCHORS).find({"_id": {"$in": ids}})},
        )
        conflicts = []
        for intent in intents:
            doc = docs.get(str(intent.anchor.id))
            stored = _try_load(doc) if doc is not None else None
            if stored is not None and (wc := _conflict(stored, intent)) is not None:
                conflicts.append(wc)
        return conflicts

    def _apply_one(self, intent: WriteIntent, stamp: str, undo: list[_Undo]) -> None:
        """Write one intent; record in `undo` how to take the write back."""
        key = str(intent.anchor.id)
        anchors = self._col(ANCHORS)
        if intent.is_delete():
            gone = self._call("delete a node", partial(anchors.find_one_and_delete, {"_id": key}))
            if gone is not None:
                undo.append(_Undo(key, gone, None))
            return
        for _ in range(MAX_CAS_ROUNDS):
            doc = self._call("read a node", partial(anchors.find_one, {"_id": key}))
            if doc is None:
                new = anchor_to_doc(intent.anchor)
                new.update(_id=key, _rev=1, _w=stamp)
                try:
                    self._call("write a node", partial(anchors.insert_one, new))
                    undo.append(_Undo(key, None, 1))
                    _remember_topology(intent.anchor)
                    return
                except DuplicateKeyError:
                    continue  # another replica created it meanwhile: merge instead
            merged, topology = self._merge(doc, intent)
            if merged is None:
                _adopt_topology(intent.anchor, topology)
                return
            seen = {"_id": key, "_rev": doc.get("_rev"), "_w": doc.get("_w")}
            if merged is _DELETE:
                res = self._call("delete a node", partial(anchors.delete_one, seen))
                if res.deleted_count:
                    undo.append(_Undo(key, doc, None))
                    return
                continue
            rev = (doc.get("_rev") or 0) + 1
            merged.update(_rev=rev, _w=stamp)
            res = self._call("write a node", partial(anchors.replace_one, seen, merged))
            if res.matched_count:
                undo.append(_Undo(key, doc, rev))
                _adopt_topology(intent.anchor, topology)
                return
        raise RuntimeError(f"gave up writing {key}: changed concurrently {MAX_CAS_ROUNDS} times")

    def _merge(self, doc: dict[str, Any], intent: WriteIntent) -> tuple[Any, bytes | None]:
        """SqliteMemory._merge_write on a document: (new doc | None | _DELETE, topology)."""
        anchor = intent.anchor
        try:
            stored = doc_to_anchor(doc)
        except Exception as e:
            logger.warning("stored anchor %s unreadable (%s); quarantining", doc["_id"], e)
            self._quarantine_doc(doc, f"apply-time deserialize: {type(e).__name__}: {e}")
            stored = None
        if stored is None or not stored.is_populated():
            return anchor_to_doc(anchor), getattr(anchor, "topology_index_data", None)
        if (wc := _conflict(stored, intent)) is not None:
            raise wc
        changed = False
        if (
            isinstance(stored, NodeAnchor)
            and isinstance(anchor, NodeAnchor)
            and stored.edges != anchor.edges
        ):
            delta = anchor.edge_delta()
            if delta is not None:
                added, removed = set(delta[0]), set(delta[1])
                merged_ids = ({e.id for e in stored.edges} | added) - removed
                by_id = {e.id: e for e in stored.edges}
                by_id.update({e.id: e for e in anchor.edges})
                stored.edges = [by_id[i] for i in merged_ids if i in by_id]
                if added or removed:
                    stored.version += 1
                    anchor.version = stored.version
            else:
                stored.edges = anchor.edges
            if not stored.edges and not isinstance(anchor.archetype, Root):
                return _DELETE, None
            changed = True
        if (
            isinstance(stored, NodeAnchor)
            and isinstance(anchor, NodeAnchor)
            and anchor.topology_index_data != stored.topology_index_data
        ):
            merged_topology = topology_merge.merge(
                anchor.__dict__.get(topology_merge.BASE_ATTR),
                anchor.topology_index_data,
                stored.topology_index_data,
            )
            if merged_topology != stored.topology_index_data:
                stored.topology_index_data = merged_topology
                changed = True
        if _canonical(stored.access) != _canonical(anchor.access):
            stored.access = anchor.access
            changed = True
        arch = anchor.archetype
        names = (
            set(get_field_types(type(arch)).keys())
            if intent.is_create() and arch is not None
            else set(intent.fields)
        )
        if names and stored.archetype is not None and arch is not None:
            for name in names:
                try:
                    setattr(stored.archetype, name, getattr(arch, name))
                except AttributeError:
                    continue
            changed = True
        topology = getattr(stored, "topology_index_data", None)
        return (anchor_to_doc(stored) if changed else None), topology


def _remember_topology(anchor: Anchor) -> None:
    """The index as loaded: the base of the three-way merge at the next write."""
    if isinstance(anchor, NodeAnchor):
        anchor.__dict__[topology_merge.BASE_ATTR] = anchor.topology_index_data


def _adopt_topology(anchor: Anchor, topology: bytes | None) -> None:
    """After a write the in-memory index equals the stored, merged one."""
    if isinstance(anchor, NodeAnchor):
        anchor.topology_index_data = topology
        _remember_topology(anchor)


def _checked(intent: WriteIntent) -> bool:
    """Intents that carry a version condition."""
    return intent.cas_version is not None or (
        bool(intent.fields) and not intent.is_create() and _baseline(intent.anchor) is not None
    )


def _baseline(anchor: Anchor) -> dict[str, int] | None:
    arch = anchor.archetype if anchor.is_populated() else None
    return getattr(arch, "__dict__", {}).get("__jac_field_hashes__") if arch else None


def _conflict(stored: Anchor, intent: WriteIntent) -> WriteConflict | None:
    """The version conditions of one intent against the stored anchor."""
    anchor = intent.anchor
    if (
        intent.cas_version is not None
        and isinstance(stored, NodeAnchor)
        and isinstance(anchor, NodeAnchor)
        and stored.edges != anchor.edges
        and stored.version != intent.cas_version
    ):
        delta = anchor.edge_delta()
        if delta is not None and (delta[0] or delta[1]):
            return WriteConflict(
                anchor_id=anchor.id,
                expected_version=intent.cas_version,
                actual_version=stored.version,
            )
    baseline = _baseline(anchor)
    if intent.is_create() or not intent.fields or not baseline or stored.archetype is None:
        return None
    names = {n for n in intent.fields if n in baseline}
    theirs = field_hashes(stored.archetype, names)
    for name in names:
        if theirs[name] != baseline[name]:
            return WriteConflict(
                anchor_id=anchor.id, expected_version=anchor.version, actual_version=stored.version
            )
    return None


def _try_load(doc: dict[str, Any]) -> Anchor | None:
    try:
        return doc_to_anchor(doc)
    except Exception:
        return None


def _canonical(value: object) -> str:
    import json

    return json.dumps(Serializer.serialize(value, include_type=True), sort_keys=True, default=str)
