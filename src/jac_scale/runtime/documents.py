"""Anchor <-> MongoDB document, in the same JSON form SqliteMemory stores.

The serialized anchor stays one JSON string (`data`), exactly as in SQLite, so the two
stores hold the same bytes and user field names never meet BSON's key rules; the
topology (`edges`, `source`, `target`) is lifted beside it so it can be indexed.
"""

from __future__ import annotations

import json
from typing import Any

from jaclang.jac0core.archetype import Anchor, EdgeAnchor, NodeAnchor
from jaclang.runtimelib.changeset import field_hash
from jaclang.runtimelib.serializer import Serializer

from jac_scale.runtime.schema import FORMAT_VERSION, now_iso


def anchor_to_doc(anchor: Anchor) -> dict[str, Any]:
    """Columns of SqliteMemory's `anchors` row, plus the lifted topology."""
    data = Serializer.serialize(anchor, include_type=True)
    arch_module = arch_type = fingerprint = None
    if anchor.is_populated() and anchor.archetype is not None:
        arch = anchor.archetype
        arch_module = type(arch).__module__
        arch_type = type(arch).__name__
        fp = getattr(type(arch), "__jac_fingerprint__", None)
        fingerprint = fp if isinstance(fp, str) and fp else None
    doc: dict[str, Any] = {
        "type": type(anchor).__name__,
        "arch_module": arch_module,
        "arch_type": arch_type,
        "fingerprint": fingerprint,
        "data": json.dumps(data),
        "format_version": FORMAT_VERSION,
        "updated_at": now_iso(),
    }
    doc.update(topology(data, doc["type"]))
    return doc


def topology(data: dict[str, Any], anchor_type: str) -> dict[str, Any]:
    """The indexed copies of a document's references."""
    if anchor_type == "NodeAnchor":
        return {"edges": [str(e) for e in (data.get("edges") or [])]}
    if anchor_type == "EdgeAnchor":
        src, tgt = data.get("source"), data.get("target")
        return {
            "source": str(src) if src is not None else None,
            "target": str(tgt) if tgt is not None else None,
        }
    return {}


def doc_to_anchor(doc: dict[str, Any]) -> Anchor | None:
    """Deserialize a stored document (None when its class cannot be resolved)."""
    return Serializer.deserialize(json.loads(doc["data"]))


def without_edges(doc: dict[str, Any], remove_ids: set[str]) -> tuple[dict[str, Any], int]:
    """A node document with `remove_ids` pruned from its edge list, and how many went."""
    data = json.loads(doc["data"])
    old = data.get("edges") or []
    new = [e for e in old if str(e) not in remove_ids]
    data["edges"] = new
    updated = dict(doc, data=json.dumps(data), edges=[str(e) for e in new])
    return updated, len(old) - len(new)


def field_hashes(arch: object, names: set[str]) -> dict[str, int]:
    """Per-field content hashes, computed as `snapshot_field_hashes` does."""
    seen: tuple[set, set] = (set(), set())
    out: dict[str, int] = {}
    for name in names:
        value = getattr(arch, name, None)
        out[name] = field_hash(Serializer._serialize_value(value, include_type=True, _seen=seen))
    return out


def is_node(anchor: object) -> bool:
    """NodeAnchor check kept in one place for readability."""
    return isinstance(anchor, NodeAnchor)


def is_edge(anchor: object) -> bool:
    """EdgeAnchor check kept in one place for readability."""
    return isinstance(anchor, EdgeAnchor)
