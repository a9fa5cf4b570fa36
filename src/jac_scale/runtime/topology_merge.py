"""Three-way merge of a root's topology index, so concurrent writers keep each other's edges.

jaclang keeps a compact adjacency index on each root (on by default, `[run]
topology_index`) and the query planner trusts it to find a root's nodes. SqliteMemory
writes the whole blob back (last writer wins), which is safe for one process only. Here
this unit's change (its index against the one it loaded) is replayed onto the stored one.
"""

from __future__ import annotations

from collections import Counter
from uuid import UUID

from jaclang.runtimelib.topology_index import SELF_ROOT, TopologyIndex

BASE_ATTR = "_jac_scale_topology_base"
Triple = tuple[UUID, str, UUID]


def _decode(blob: bytes | None) -> TopologyIndex:
    return TopologyIndex.decode(blob) if blob else TopologyIndex()


def _triples(index: TopologyIndex) -> Counter[Triple]:
    nodes = [row[0] for row in index.node_table]
    names = index.type_table
    return Counter((nodes[s], names[et], nodes[t]) for s, et, t in index.adj_list)


def _node_info(index: TopologyIndex, node_id: UUID) -> tuple[str, list[str], UUID | None]:
    _, tid, owner = index.node_table[index.node_to_lid[node_id]]
    chain = [index.type_table[i] for i in index.type_mro_ids[tid]] or [index.type_table[tid]]
    return index.type_table[tid], chain, None if owner == SELF_ROOT else owner


def merge(base: bytes | None, ours: bytes | None, theirs: bytes | None) -> bytes | None:
    """Apply ours-minus-base onto theirs; trivial cases return a side unchanged."""
    if ours in (base, theirs):
        return theirs
    if theirs == base:
        return ours
    b, o, t = _decode(base), _decode(ours), _decode(theirs)
    before, after = _triples(b), _triples(o)
    for (src, etype, tgt), count in (before - after).items():
        for _ in range(count):
            t.remove_edge(src, tgt, etype)
    for node_id in set(b.node_to_lid) - set(o.node_to_lid):
        t.remove_node(node_id)
    for (src, etype, tgt), count in (after - before).items():
        for node_id in (src, tgt):
            name, chain, owner = _node_info(o, node_id)
            t.add_node(node_id, name, chain, owner)
        for _ in range(count):
            t.add_edge(src, tgt, etype)
    return t.encode()
