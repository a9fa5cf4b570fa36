"""`jac db` operator surface: MongoDB reports what SqliteMemory reports on the same rows."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from jaclang.runtimelib.memory import SqliteMemory
from jaclang.runtimelib.topology_index import TopologyIndex
from runtime_kit import MongoStandin

from jac_scale.runtime import topology_merge
from jac_scale.runtime.documents import topology
from jac_scale.runtime.mongo_memory import MongoMemory
from jac_scale.runtime.schema import ANCHORS
from jac_scale.runtime.settings import StoreSettings, database_name


def _rows() -> list[tuple[str, str, str | None, dict[str, Any]]]:
    """A small damaged graph: a dangling citation, a broken edge, an orphan, a half-link."""
    ids = {k: str(uuid.uuid4()) for k in ("root", "n1", "n2", "n3", "e1", "e2", "e3", "gone")}

    def node(k: str, edges: list[str]) -> tuple[str, str, str, dict[str, Any]]:
        return (ids[k], "NodeAnchor", "Thing", {"edges": [ids[e] for e in edges]})

    def edge(k: str, s: str, t: str) -> tuple[str, str, str, dict[str, Any]]:
        return (ids[k], "EdgeAnchor", "GenericEdge", {"source": ids[s], "target": ids[t]})

    return [
        (ids["root"], "NodeAnchor", "Root", {"edges": [ids["e1"], ids["gone"]]}),
        node("n1", ["e1", "e3"]),
        node("n2", ["e2"]),
        node("n3", []),
        edge("e1", "root", "n1"),
        edge("e2", "n2", "gone"),
        edge("e3", "n1", "n2"),
    ]


@pytest.fixture
def stores(mongo: MongoStandin, tmp_path: Path) -> tuple[SqliteMemory, MongoMemory]:
    rows = _rows()
    sqlite = SqliteMemory(path=str(tmp_path / "ref.db"))
    sqlite._ensure_connection()
    conn = sqlite.__conn__
    for rid, rtype, arch, data in rows:
        conn.execute(
            "INSERT INTO anchors (id, type, arch_module, arch_type, data) VALUES (?, ?, ?, ?, ?)",
            (rid, rtype, "app", arch, json.dumps(data)),
        )
    conn.commit()
    db = f"jac_optest_{uuid.uuid4().hex[:8]}"
    mem = MongoMemory(settings=StoreSettings(uri=mongo.uri, database=db))
    for rid, rtype, arch, data in rows:
        doc = {"_id": rid, "type": rtype, "arch_module": "app", "arch_type": arch}
        doc.update(data=json.dumps(data), format_version=1, _rev=1, **topology(data, rtype))
        mem._col(ANCHORS).insert_one(doc)
    return sqlite, mem


def _same(report: dict) -> dict:
    out = {k: v for k, v in report.items() if k != "location"}
    return {k: sorted(map(tuple, v)) if isinstance(v, list) else v for k, v in out.items()}


def test_fsck_and_repair_match_sqlite(stores) -> None:
    sqlite, mem = stores
    found = _same(mem.fsck())
    assert found == _same(sqlite.fsck())
    assert found["dangling_node_edge"] and found["dangling_edge_node"] and found["orphan_nodes"]
    repaired = mem.fsck(repair=True)
    assert _same(repaired) == _same(sqlite.fsck(repair=True))
    assert repaired["repaired_counts"]["collected"] > 0
    after = mem.fsck()
    assert not after["dangling_node_edge"] and not after["orphan_edges"]


def test_quarantine_aliases_and_summary_match_sqlite(stores) -> None:
    sqlite, mem = stores
    missing, referrer = uuid.uuid4(), uuid.uuid4()
    for store in (sqlite, mem):
        store.quarantine_dangling(missing, referrer, "edge")
        store.add_alias("app.Old", "app.New")
        store.add_alias("app.Gone", "app.Other")
        assert store.remove_alias("app.Gone") and not store.remove_alias("app.Gone")
    assert not mem.is_recoverable_quarantine(missing)  # DANGLING_REF rows are forensic only
    strip = lambda rows: [{k: v for k, v in r.items() if "_at" not in k} for r in rows]  # noqa: E731
    assert strip(mem.list_quarantined()) == strip(sqlite.list_quarantined())
    assert strip(mem.list_aliases()) == strip(sqlite.list_aliases())
    shown, ref = mem.show_quarantined(str(missing)[:8]), sqlite.show_quarantined(str(missing)[:8])
    assert {k: v for k, v in shown.items() if k != "quarantined_at"} == {
        k: v for k, v in ref.items() if k != "quarantined_at"
    }
    ours, theirs = mem.inspect_summary(), sqlite.inspect_summary()
    for key in ("format_version", "anchors_total", "quarantine_total", "aliases_total"):
        assert ours[key] == theirs[key], key
    assert sorted(ours["anchors_by_type"]) == sorted(theirs["anchors_by_type"])
    ok, reason = mem.recover_one(str(missing))
    assert not ok and "not an anchor" in reason  # SQLite copies the forensic row into anchors
    assert mem.recover_one("ffffffff") == sqlite.recover_one("ffffffff")


def test_database_is_named_from_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAC_SCALE_APP_NAME", raising=False)
    monkeypatch.delenv("JAC_SCALE_MONGODB_DATABASE", raising=False)
    (tmp_path / "jac.toml").write_text('[project]\nname = "my.shop"\n')
    assert database_name(str(tmp_path)) == "jac_my_shop"
    (tmp_path / "jac.toml").write_text('[project]\nname = "x"\n[plugins.scale]\napp_name = "tod"\n')
    assert database_name(str(tmp_path)) == "jac_tod"
    monkeypatch.setenv("JAC_SCALE_APP_NAME", "billing")
    assert database_name(str(tmp_path)) == "jac_billing"
    monkeypatch.setenv("JAC_SCALE_MONGODB_DATABASE", "explicit")
    assert database_name(str(tmp_path)) == "explicit"


def test_topology_merge_keeps_both_writers_edges_and_removals() -> None:
    r, a, b, c = (uuid.uuid4() for _ in range(4))

    def index(*targets: uuid.UUID) -> bytes:
        idx = TopologyIndex()
        idx.add_node(r, "Root", ["Root"])
        for t in targets:
            idx.add_node(t, "Item", ["Item"])
            idx.add_edge(r, t, "GenericEdge")
        return idx.encode()

    base = index(a)
    ours = index(a, b)  # this writer added b
    theirs = index(c)  # another writer removed a and added c
    merged = TopologyIndex.decode(topology_merge.merge(base, ours, theirs))
    assert set(topology_merge._triples(merged)) == {(r, "GenericEdge", b), (r, "GenericEdge", c)}
    assert topology_merge.merge(base, base, theirs) == theirs
    assert topology_merge.merge(base, ours, base) == ours
