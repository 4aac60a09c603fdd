"""An artifact version's lineage: runs and versions a few hops away.

Edges are ``logged`` (run → version it logged) and ``used`` (version → run that used
it). The walk crosses projects, so every node is kept only when the caller may read
its project (``visible``): a private run that used a public dataset does not appear
to the dataset's other readers, nor does anything reached only through it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runyard.entities import RunRef
from runyard.store.base import ArtifactRecord, TrackingStore
from runyard.store.wire import encode_artifact

__all__ = ["MAX_HOPS", "MAX_NODES", "lineage"]

#: Hops a request may ask for, and nodes one answer holds at most.
MAX_HOPS = 5
MAX_NODES = 500


def _run_id(ref: RunRef) -> str:
    return f"run:{ref.entity}/{ref.project}/{ref.run_id}"


def _artifact_id(record: ArtifactRecord) -> str:
    return f"artifact:{record.qualified_name}"


def lineage(
    store: TrackingStore,
    start: ArtifactRecord,
    hops: int,
    visible: Callable[[str, str], bool],
) -> dict[str, Any]:
    """``{"nodes": [...], "edges": [...], "truncated": bool}`` within ``hops`` of ``start``."""
    nodes: dict[str, dict[str, Any]] = {}
    edges: set[tuple[str, str, str]] = set()
    frontier: list[ArtifactRecord | RunRef] = [start]
    nodes[_artifact_id(start)] = {"kind": "artifact", "id": _artifact_id(start), **_node(start)}
    truncated = False
    for _ in range(max(0, min(hops, MAX_HOPS))):
        following: list[ArtifactRecord | RunRef] = []
        for item in frontier:
            for kind, neighbour, edge in _neighbours(store, item):
                if not visible(*_project(neighbour)):
                    continue
                node_id = _id(neighbour)
                edges.add(edge)
                if node_id in nodes:
                    continue
                if len(nodes) >= MAX_NODES:
                    truncated = True
                    continue
                nodes[node_id] = {"kind": kind, "id": node_id, **_node(neighbour)}
                following.append(neighbour)
        frontier = following
    kept = [e for e in sorted(edges) if e[0] in nodes and e[1] in nodes]
    return {
        "nodes": list(nodes.values()),
        "edges": [{"from": a, "to": b, "kind": k} for a, b, k in kept],
        "truncated": truncated,
    }


def _id(item: ArtifactRecord | RunRef) -> str:
    return _run_id(item) if isinstance(item, RunRef) else _artifact_id(item)


def _project(item: ArtifactRecord | RunRef) -> tuple[str, str]:
    return item.entity, item.project


def _node(item: ArtifactRecord | RunRef) -> dict[str, Any]:
    if isinstance(item, RunRef):
        return {"entity": item.entity, "project": item.project, "run_id": item.run_id}
    return {"artifact": encode_artifact(item)}


def _neighbours(
    store: TrackingStore, item: ArtifactRecord | RunRef
) -> list[tuple[str, ArtifactRecord | RunRef, tuple[str, str, str]]]:
    out: list[tuple[str, ArtifactRecord | RunRef, tuple[str, str, str]]] = []
    if isinstance(item, RunRef):
        me = _run_id(item)
        for record in store.artifacts_logged_by(item):
            out.append(("artifact", record, (me, _artifact_id(record), "logged")))
        for record in store.artifacts_used_by(item):
            out.append(("artifact", record, (_artifact_id(record), me, "used")))
        return out
    me = _artifact_id(item)
    if item.logged_by is not None:
        out.append(("run", item.logged_by, (_run_id(item.logged_by), me, "logged")))
    for ref in store.runs_using(item):
        out.append(("run", ref, (me, _run_id(ref), "used")))
    return out
