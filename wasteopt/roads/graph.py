"""The road graph: junctions joined by road segments, its largest strongly connected component,
snapping of points to it, and shortest road km (with the driving hours along them) by Dijkstra.

Nodes between junctions are contracted away (a province extract has several shape nodes per
junction), but kept as the segments' geometry so routes can be drawn along the roads.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from wasteopt.config.errors import DataError
from wasteopt.data.network import EARTH_RADIUS_KM, _unit_xyz, haversine_km

if TYPE_CHECKING:  # for annotations only
    from wasteopt.roads.osm import RoadWays

MIN_EDGE_KM = 1e-9  # scipy's Dijkstra drops explicit zeros; duplicated coordinates make 0-km pieces
ACCESS_SPEED_KMH = 15.0  # from a point to its road node: yards, lanes, unmapped tracks [assumption]


@dataclass(frozen=True)
class Segments:
    """Directed road segments between junctions. Segment ``s`` runs along ``way_nodes`` entries from
    ``first[s]`` to ``last[s]`` (``last < first``: against the way's node order)."""

    tail: np.ndarray   # way-node index (RoadWays.lon/lat) where it starts
    head: np.ndarray
    km: np.ndarray
    hours: np.ndarray
    first: np.ndarray
    last: np.ndarray


def segments(ways: RoadWays, junctions: np.ndarray | None = None) -> Segments:
    """Every drivable direction of every road segment. A node is a junction when two ways (or one way
    twice) use it, at a way's ends, or when listed in ``junctions`` (e.g. snapped points)."""
    nodes, starts = ways.way_nodes, ways.way_start
    way_of = np.repeat(np.arange(ways.num_ways), np.diff(starts))
    is_junction = np.bincount(nodes, minlength=len(ways.lon)) >= 2
    if junctions is not None:
        is_junction[junctions] = True
    at_junction = is_junction[nodes]
    at_junction[starts[:-1]] = True
    at_junction[starts[1:] - 1] = True
    way_end = np.zeros(len(nodes), bool)
    way_end[starts[1:] - 1] = True
    piece = np.flatnonzero(~way_end)  # piece i runs from entry i to entry i + 1 of the same way
    a, b = nodes[piece], nodes[piece + 1]
    piece_km = haversine_km(ways.lon[a], ways.lat[a], ways.lon[b], ways.lat[b])
    piece_hours = piece_km / ways.speed_kmh[way_of[piece]].astype(float)
    started = np.cumsum(at_junction)[piece]  # pieces after the same junction entry form one segment
    opens = np.r_[True, started[1:] != started[:-1]]
    number = np.cumsum(opens) - 1
    first = piece[opens]
    last = piece[np.r_[opens[1:], True]] + 1
    km = np.maximum(np.bincount(number, piece_km), MIN_EDGE_KM)
    hours = np.bincount(number, piece_hours)
    both = ~ways.oneway[way_of[first]]
    tail, head = nodes[first], nodes[last]
    return Segments(tail=np.r_[tail, head[both]], head=np.r_[head, tail[both]], km=np.r_[km, km[both]],
                    hours=np.r_[hours, hours[both]], first=np.r_[first, last[both]], last=np.r_[last, first[both]])


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """The largest strongly connected part of the road network as a CSR matrix of km, with the
    driving hours and the geometry of each arc (aligned with ``csr.data``)."""

    ways: RoadWays
    node: np.ndarray        # graph node -> way-node index
    csr: sp.csr_matrix      # km
    arc_hours: np.ndarray
    arc_first: np.ndarray
    arc_last: np.ndarray
    arc_key: np.ndarray     # tail × num_nodes + head, ascending

    @property
    def num_nodes(self) -> int:
        return len(self.node)

    def _arc(self, tail: np.ndarray, head: np.ndarray) -> np.ndarray:
        """Position in ``csr.data`` of the arcs tail → head (which must exist)."""
        return np.searchsorted(self.arc_key, tail.astype(np.int64) * self.num_nodes + head)

    def shortest(self, sources: np.ndarray, targets: np.ndarray, limit_km: float = np.inf,
                 chunk: int = 16, progress: Callable[[int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Shortest road km from each graph node in ``sources`` to each in ``targets`` (inf beyond
        ``limit_km``) and the driving hours along those routes; arrays sources × targets."""
        km = np.full((len(sources), len(targets)), np.inf)
        hours = np.full_like(km, np.inf)
        for start in range(0, len(sources), chunk):
            block = sources[start:start + chunk]
            dist, pred = dijkstra(self.csr, directed=True, indices=block, limit=limit_km, return_predecessors=True)
            block_km = dist[:, targets]
            block_hours = np.zeros_like(block_km)
            rows, cols = np.nonzero(np.isfinite(block_km))
            at = targets[cols]
            walking = at != block[rows]
            rows, cols, at = rows[walking], cols[walking], at[walking]
            while len(rows):  # walk every route back to its source at once, adding each arc's hours
                back = pred[rows, at]
                block_hours[rows, cols] += self.arc_hours[self._arc(back, at)]
                walking = back != block[rows]
                rows, cols, at = rows[walking], cols[walking], back[walking]
            block_hours[~np.isfinite(block_km)] = np.inf
            km[start:start + len(block)] = block_km
            hours[start:start + len(block)] = block_hours
            if progress is not None:
                progress(len(block))
        return km, hours

    def route_lines(self, legs: list[tuple[int, int]], limit_km: float = np.inf) -> dict[tuple[int, int], np.ndarray]:
        """Lon/lat vertices (n × 2) of the shortest route of each (source, target) graph-node pair
        (each no longer than ``limit_km``)."""
        lines: dict[tuple[int, int], np.ndarray] = {}
        for source in sorted({s for s, _ in legs}):
            _, pred = dijkstra(self.csr, directed=True, indices=source, limit=limit_km, return_predecessors=True)
            for target in sorted({t for s, t in legs if s == source}):
                chain = [target]
                while chain[-1] != source:
                    if pred[chain[-1]] < 0:
                        raise DataError(f"no road from graph node {source} to {target}")
                    chain.append(int(pred[chain[-1]]))
                chain.reverse()
                entries = [self._entries(arc) for arc in self._arc(np.array(chain[:-1]), np.array(chain[1:]))]
                nodes = np.concatenate([e[:-1] for e in entries] + [entries[-1][-1:]]) if entries else \
                    self.node[[source]]
                lines[(source, target)] = np.column_stack([self.ways.lon[nodes], self.ways.lat[nodes]])
        return lines

    def _entries(self, arc: int) -> np.ndarray:
        first, last = self.arc_first[arc], self.arc_last[arc]
        step = 1 if last >= first else -1
        return self.ways.way_nodes[np.arange(first, last + step, step)]  # a slice would stop short at entry 0


def _graph(ways: RoadWays, segs: Segments, keep: np.ndarray) -> RoadGraph:
    """The graph of the segments whose both ends are way-nodes in ``keep`` (bool per way-node)."""
    inside = keep[segs.tail] & keep[segs.head] & (segs.tail != segs.head)
    tail, head = segs.tail[inside], segs.head[inside]
    node, index = np.unique(np.r_[tail, head], return_inverse=True)
    u, v = index[:len(tail)], index[len(tail):]
    km = segs.km[inside]
    order = np.lexsort((km, v, u))  # parallel roads: the shortest first, then dropped
    u, v = u[order], v[order]
    first_of_pair = np.r_[True, (u[1:] != u[:-1]) | (v[1:] != v[:-1])]
    picked = order[first_of_pair]
    u, v = u[first_of_pair], v[first_of_pair]
    indptr = np.r_[0, np.cumsum(np.bincount(u, minlength=len(node)))]
    csr = sp.csr_matrix((km[picked], v.astype(np.int32), indptr), shape=(len(node), len(node)))
    return RoadGraph(ways=ways, node=node.astype(np.int32), csr=csr, arc_hours=segs.hours[inside][picked],
                     arc_first=segs.first[inside][picked], arc_last=segs.last[inside][picked],
                     arc_key=u.astype(np.int64) * len(node) + v)


def largest_component(ways: RoadWays) -> np.ndarray:
    """Bool per way-node: on the largest strongly connected part of the network (every node on it can
    reach every other by the permitted directions), junctions and the nodes between them."""
    segs = segments(ways)
    everything = _graph(ways, segs, np.ones(len(ways.lon), bool))
    _, label = connected_components(everything.csr, directed=True, connection="strong")
    junction = np.zeros(len(ways.lon), bool)
    junction[everything.node[label == np.bincount(label).argmax()]] = True
    kept = junction[segs.tail] & junction[segs.head]
    lo, hi = np.minimum(segs.first[kept], segs.last[kept]), np.maximum(segs.first[kept], segs.last[kept])
    size = len(ways.way_nodes) + 1
    covered = np.bincount(lo, minlength=size) - np.bincount(hi + 1, minlength=size)
    on = np.zeros(len(ways.lon), bool)
    on[ways.way_nodes[np.cumsum(covered[:-1]) > 0]] = True
    return on | junction


@dataclass(frozen=True)
class Snapped:
    """Each point's road node (way-node index) and its straight distance to it, km."""

    point_id: pd.Index
    way_node: np.ndarray
    access_km: np.ndarray


def snap(ways: RoadWays, on_network: np.ndarray, points: pd.DataFrame, tolerance_m: float) -> Snapped:
    """The nearest node of the connected network to each point (index = id; lon, lat); names every
    point farther than ``tolerance_m`` from any road in one error."""
    candidates = np.flatnonzero(on_network)
    xyz = _unit_xyz(pd.DataFrame({"lon": ways.lon[candidates], "lat": ways.lat[candidates]}))
    chord, nearest = cKDTree(xyz).query(_unit_xyz(points))
    access_km = 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2, 0, 1))
    far = np.flatnonzero(access_km * 1000 > tolerance_m)
    if len(far):
        names = ", ".join(f"{points.index[i]} ({access_km[i] * 1000:,.0f} m)" for i in far[:10])
        raise DataError(f"{len(far)} point(s) lie farther than {tolerance_m:,.0f} m from the connected road "
                        f"network: {names}{', …' if len(far) > 10 else ''}; check their coordinates or raise "
                        "the snap tolerance (network.snap_tolerance_m / --snap-tolerance-m)")
    return Snapped(point_id=points.index, way_node=candidates[nearest], access_km=access_km)


def road_graph(ways: RoadWays, on_network: np.ndarray, snapped: Snapped) -> tuple[RoadGraph, np.ndarray]:
    """The graph with every snapped node as a junction, and each point's graph node."""
    graph = _graph(ways, segments(ways, snapped.way_node), on_network)
    return graph, np.searchsorted(graph.node, snapped.way_node)


def access_hours(access_km: np.ndarray) -> np.ndarray:
    return access_km / ACCESS_SPEED_KMH
