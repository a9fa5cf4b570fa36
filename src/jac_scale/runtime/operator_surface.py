"""The `jac db` operator surface (inspect, quarantine, recover, aliases, fsck) on MongoDB.

Semantics follow SqliteMemory's: a document that cannot be loaded is moved to
`anchors_quarantine` (never deleted), a quarantined node takes its edges with it, and
DANGLING_REF rows are forensic records that `is_recoverable_quarantine` ignores.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from jaclang.jac0core.archetype import Anchor
from jaclang.runtimelib.memory import DANGLING_REF
from jaclang.runtimelib.serializer import Serializer
from pymongo.collection import Collection

from jac_scale.runtime.documents import anchor_to_doc, doc_to_anchor, without_edges
from jac_scale.runtime.schema import ALIASES, ANCHORS, META, QUARANTINE, now_iso

logger = logging.getLogger(__name__)
T = TypeVar("T")
_QFIELDS = ("type", "arch_module", "arch_type", "fingerprint", "data")


class OperatorSurface:
    """Mixin for MongoMemory; relies on its `_col` and `_call`."""

    def _col(self, name: str) -> Collection:  # pragma: no cover - provided by MongoMemory
        raise NotImplementedError

    def _call(self, what: str, operation: Callable[[], T]) -> T:  # pragma: no cover
        raise NotImplementedError

    def _location(self) -> str:  # pragma: no cover
        raise NotImplementedError

    # ---- quarantine ----------------------------------------------------------------
    def _quarantine_doc(self, doc: dict[str, Any], error: str) -> None:
        """Move one stored document aside; a node takes its edges along. Never raises."""
        try:
            key = doc["_id"]
            now = now_iso()
            self._put_quarantine(doc, error, now)
            self._col(ANCHORS).delete_one({"_id": key})
            if doc.get("type") == "NodeAnchor":
                self._cascade(key, now)
        except Exception as e:
            logger.error("failed to quarantine anchor %s: %s", doc.get("_id"), e)

    def _put_quarantine(self, doc: dict[str, Any], error: str, now: str) -> None:
        row = {k: doc.get(k) for k in _QFIELDS}
        row.update(error=error, quarantined_at=now, from_format_version=doc.get("format_version"))
        self._col(QUARANTINE).replace_one({"_id": doc["_id"]}, row, upsert=True)

    def _cascade(self, node_id: str, now: str) -> None:
        edges = list(
            self._col(ANCHORS).find(
                {"type": "EdgeAnchor", "$or": [{"source": node_id}, {"target": node_id}]}
            )
        )
        if not edges:
            return
        reason = f"cascade quarantine: connected node {node_id} was quarantined"
        ids = {e["_id"] for e in edges}
        for edge in edges:
            self._put_quarantine(edge, reason, now)
        self._col(ANCHORS).delete_many({"_id": {"$in": list(ids)}})
        for node in self._col(ANCHORS).find({"type": "NodeAnchor", "edges": {"$in": list(ids)}}):
            self._prune(node, ids)

    def _prune(self, node: dict[str, Any], remove_ids: set[str]) -> int:
        updated, removed = without_edges(node, remove_ids)
        if removed:
            updated["_rev"] = node.get("_rev", 0) + 1
            self._col(ANCHORS).replace_one({"_id": node["_id"]}, updated)
        return removed

    def quarantine_dangling(self, missing_id: UUID, referrer_id: UUID | None, kind: str) -> None:
        """File a citation to a missing document under DANGLING_REF. Never raises."""
        try:
            self._record_dangling(missing_id, referrer_id, kind)
        except Exception as e:
            logger.error("failed to record dangling ref %s: %s", missing_id, e)

    def _record_dangling(self, missing_id: object, referrer_id: object, kind: str) -> None:
        ref = str(referrer_id) if referrer_id is not None else "?"
        row = {
            "type": "EdgeAnchor" if kind == "edge" else "NodeAnchor",
            "arch_module": None,
            "arch_type": DANGLING_REF,
            "fingerprint": None,
            "data": json.dumps({"referrer": ref, "kind": kind}),
            "error": f"{DANGLING_REF}: missing {kind} {missing_id} cited by {ref}",
            "quarantined_at": now_iso(),
            "from_format_version": None,
        }
        self._col(QUARANTINE).replace_one({"_id": str(missing_id)}, row, upsert=True)

    def is_recoverable_quarantine(self, id: UUID) -> bool:
        """Quarantined for a reason `jac db recover` can undo (DANGLING_REF excluded)."""
        row = self._call(
            "check the quarantine", lambda: self._col(QUARANTINE).find_one({"_id": str(id)})
        )
        return row is not None and not str(row.get("error") or "").startswith(DANGLING_REF)

    # ---- inspection ----------------------------------------------------------------
    def _count_by_arch(self, name: str) -> list[tuple[str, int]]:
        pipeline = [
            {"$group": {"_id": {"$ifNull": ["$arch_type", "<none>"]}, "n": {"$sum": 1}}},
            {"$sort": {"n": -1}},
        ]
        return [(r["_id"], r["n"]) for r in self._col(name).aggregate(pipeline)]

    def inspect_summary(self) -> dict:
        """Counts for `jac db inspect`, shaped as PersistentMemory documents."""
        meta = self._col(META).find_one({"_id": "db_format_version"}) or {}
        anchors = self._count_by_arch(ANCHORS)
        quarantined = self._count_by_arch(QUARANTINE)
        return {
            "format_version": str(meta.get("value", "?")),
            "anchors_total": sum(n for _, n in anchors),
            "anchors_by_type": anchors,
            "quarantine_total": sum(n for _, n in quarantined),
            "quarantine_by_type": quarantined,
            "aliases_total": self._col(ALIASES).count_documents({}),
            "location": self._location(),
        }

    def list_quarantined(self, limit: int = 50) -> list:
        """Newest quarantined documents first."""
        rows = self._col(QUARANTINE).find().sort("quarantined_at", -1).limit(limit)
        return [
            {
                "id": str(r["_id"]),
                "arch": f"{r.get('arch_module') or '?'}.{r.get('arch_type') or '?'}",
                "fingerprint": str(r.get("fingerprint") or ""),
                "error": str(r.get("error") or ""),
                "quarantined_at": str(r.get("quarantined_at") or ""),
            }
            for r in rows
        ]

    def _match_prefix(self, id_prefix: str) -> list[dict[str, Any]]:
        query = {"$or": [{"_id": id_prefix}, {"_id": {"$regex": f"^{_escape(id_prefix)}"}}]}
        return list(self._col(QUARANTINE).find(query).limit(2))

    def show_quarantined(self, id_prefix: str) -> dict | None:
        """One quarantined document by id or unique prefix."""
        rows = self._match_prefix(id_prefix)
        if not rows:
            return None
        if len(rows) > 1:
            return {"error": "ambiguous", "count": len(rows)}
        r = rows[0]
        try:
            parsed = json.loads(r["data"]) if r.get("data") else None
        except ValueError:
            parsed = None
        return {
            "id": r["_id"],
            "type": r.get("type"),
            "arch_module": r.get("arch_module"),
            "arch_type": r.get("arch_type"),
            "fingerprint": r.get("fingerprint"),
            "error": r.get("error"),
            "quarantined_at": r.get("quarantined_at"),
            "from_format_version": r.get("from_format_version"),
            "data": parsed,
        }

    # ---- recovery ------------------------------------------------------------------
    def _load_aliases(self) -> None:
        for row in self._col(ALIASES).find():
            if isinstance(row.get("_id"), str) and isinstance(row.get("new_name"), str):
                Serializer._aliases[row["_id"]] = row["new_name"]

    def _attempt_recover(self, row: dict[str, Any]) -> tuple[bool, str]:
        if not row.get("data"):
            return (False, "no data payload stored")
        try:
            data = json.loads(row["data"])
        except ValueError as e:
            return (False, f"json decode failed: {e}")
        try:
            anchor = doc_to_anchor(row)
        except Exception as e:
            return (False, f"deserialize raised: {type(e).__name__}: {e}")
        if anchor is None:
            return (
                False,
                f"class {row.get('arch_module')}.{row.get('arch_type')} still unresolvable",
            )
        if not isinstance(anchor, Anchor):
            # A DANGLING_REF forensic record holds no anchor (SQLite would copy it
            # into the live table as a row no reader can load).
            return (False, "not an anchor: nothing to restore")
        doc = anchor_to_doc(anchor)
        doc["format_version"] = row.get("from_format_version") or 1
        doc["_rev"] = 1
        self._col(ANCHORS).replace_one({"_id": row["_id"]}, doc, upsert=True)
        self._col(QUARANTINE).delete_one({"_id": row["_id"]})
        if row.get("type") == "EdgeAnchor" and isinstance(data, dict):
            self._relink(row["_id"], data)
        return (True, "recovered")

    def _relink(self, edge_id: str, data: dict[str, Any]) -> None:
        ends = [data.get("source")] if data.get("source") else []
        tgt = data.get("target")
        if data.get("is_undirected") and tgt and tgt != data.get("source"):
            ends.append(tgt)
        for node_id in ends:
            node = self._col(ANCHORS).find_one({"_id": str(node_id), "type": "NodeAnchor"})
            if node is None:
                logger.warning(
                    "recover re-link of edge %s skipped: node %s missing", edge_id, node_id
                )
                continue
            nd = json.loads(node["data"])
            edges = nd.get("edges") or []
            if edge_id not in edges:
                edges.append(edge_id)
                nd["edges"] = edges
                self._col(ANCHORS).update_one(
                    {"_id": node["_id"]},
                    {
                        "$set": {"data": json.dumps(nd), "edges": [str(e) for e in edges]},
                        "$inc": {"_rev": 1},
                    },
                )

    def recover_one(self, id_prefix: str) -> tuple:
        """Re-load one quarantined document back into the graph."""
        self._load_aliases()
        rows = self._match_prefix(id_prefix)
        if not rows:
            return (False, f"no quarantined row matching {id_prefix}")
        if len(rows) > 1:
            return (False, f"prefix {id_prefix} matches multiple rows")
        return self._attempt_recover(rows[0])

    def recover_all(self) -> tuple:
        """Re-load every quarantined document (nodes first so edges re-link)."""
        self._load_aliases()
        rows = sorted(
            self._col(QUARANTINE).find(), key=lambda r: 0 if r.get("type") == "NodeAnchor" else 1
        )
        recovered, stuck = 0, []
        for row in rows:
            ok, reason = self._attempt_recover(row)
            if ok:
                recovered += 1
            else:
                stuck.append((str(row["_id"]), reason))
        return (recovered, stuck)

    # ---- aliases -------------------------------------------------------------------
    def list_aliases(self) -> list:
        """Database-resident class renames."""
        rows = self._col(ALIASES).find().sort("created_at", 1)
        return [
            {
                "old_name": str(r["_id"]),
                "new_name": str(r["new_name"]),
                "created_at": str(r.get("created_at") or ""),
            }
            for r in rows
        ]

    def add_alias(self, old_name: str, new_name: str) -> None:
        """Persist a class rename and apply it in this process."""
        self._col(ALIASES).replace_one(
            {"_id": old_name}, {"new_name": new_name, "created_at": now_iso()}, upsert=True
        )
        Serializer._aliases[old_name] = new_name

    def remove_alias(self, old_name: str) -> bool:
        """Drop a class rename; True if one existed."""
        removed = self._col(ALIASES).delete_one({"_id": old_name}).deleted_count > 0
        if removed:
            Serializer._aliases.pop(old_name, None)
        return removed

    # ---- fsck ----------------------------------------------------------------------
    def fsck(self, repair: bool = False) -> dict:
        """Referential-integrity scan (and repair), classified as SqliteMemory does."""
        report: dict = {
            "location": self._location(),
            "dangling_node_edge": [],
            "dangling_edge_node": [],
            "orphan_edges": [],
            "orphan_nodes": [],
            "half_linked_edges": [],
            "repaired": repair,
            "repaired_counts": {"pruned": 0, "quarantined": 0, "collected": 0},
        }
        node_edges: dict[str, list[str]] = {}
        node_is_root: dict[str, bool] = {}
        ends: dict[str, tuple[str | None, str | None]] = {}
        fields = {"type": 1, "arch_type": 1, "edges": 1, "source": 1, "target": 1}
        for d in self._col(ANCHORS).find({}, fields):
            if d.get("type") == "NodeAnchor":
                node_edges[d["_id"]] = [str(e) for e in d.get("edges") or []]
                node_is_root[d["_id"]] = d.get("arch_type") == "Root"
            elif d.get("type") == "EdgeAnchor":
                ends[d["_id"]] = (d.get("source"), d.get("target"))
        cited = {e for eids in node_edges.values() for e in eids}
        for nid, eids in node_edges.items():
            report["dangling_node_edge"] += [(nid, e) for e in eids if e not in ends]
        broken: set[str] = set()
        for eid, pair in ends.items():
            for endp in pair:
                if endp is not None and endp not in node_edges:
                    report["dangling_edge_node"].append((eid, endp))
                    broken.add(eid)
        orphans = {eid for eid in ends if eid not in cited}
        report["orphan_edges"] = sorted(orphans)
        half: set[str] = set()
        for eid, (src, tgt) in ends.items():
            if src is None or tgt is None or src not in node_edges or tgt not in node_edges:
                continue
            src_cites, tgt_cites = eid in node_edges[src], eid in node_edges[tgt]
            if src_cites != tgt_cites:
                citing, rejecting = (src, tgt) if src_cites else (tgt, src)
                report["half_linked_edges"].append((eid, citing, rejecting))
                half.add(eid)
        collect = orphans | half | broken
        surviving = {n for e, p in ends.items() if e not in collect for n in p if n is not None}
        for nid, eids in node_edges.items():
            remaining = [e for e in eids if e not in collect]
            if not node_is_root.get(nid) and not remaining and nid not in surviving:
                report["orphan_nodes"].append(nid)
        if repair:
            self._repair(report, node_edges, collect)
        return report

    def _repair(self, report: dict, node_edges: dict[str, list[str]], collect: set[str]) -> None:
        counts = report["repaired_counts"]
        remove: dict[str, set[str]] = {}
        for nid, eid in report["dangling_node_edge"]:
            remove.setdefault(nid, set()).add(eid)
            self._record_dangling(eid, nid, "edge")
            counts["quarantined"] += 1
        for eid, nid in report["dangling_edge_node"]:
            self._record_dangling(nid, eid, "node")
            counts["quarantined"] += 1
        for nid, eids in node_edges.items():
            if also := set(eids) & collect:
                remove.setdefault(nid, set()).update(also)
        for nid, ids in remove.items():
            node = self._col(ANCHORS).find_one({"_id": nid})
            if node is not None:
                counts["pruned"] += self._prune(node, ids)
        doomed = list(collect) + list(report["orphan_nodes"])
        if doomed:
            counts["collected"] += (
                self._col(ANCHORS).delete_many({"_id": {"$in": doomed}}).deleted_count
            )


def _escape(text: str) -> str:
    import re

    return re.escape(text)
