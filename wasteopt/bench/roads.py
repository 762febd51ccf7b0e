"""``wasteopt bench roads``: the OD build on a generated province-sized road grid.

The grid (written as ``.osm.pbf`` first, untimed) spans 5° × 5° like Henan, with a main road every
10th street, a highway every 50th and one-way streets; every node is a junction, so none is
contracted away (a real extract's shape nodes are). The timed part runs in a fresh process so its
peak memory is its own: reading the extract, its largest strongly connected part, snapping and the
shortest paths for every pair within the haul limit.
"""
from __future__ import annotations

import multiprocessing
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

SPAN_DEG = 5.0
WEST, SOUTH = 110.0, 31.5


def write_grid(path: Path, nodes: int) -> int:
    """A square street grid of at least ``nodes`` junctions as an OSM file; returns the junction count."""
    import osmium
    from osmium.osm.mutable import Node, Way

    side = int(np.ceil(np.sqrt(nodes)))
    step = SPAN_DEG / (side - 1)
    with osmium.SimpleWriter(str(path)) as writer:
        for row in range(side):
            for col in range(side):
                writer.add_node(Node(id=row * side + col + 1, location=(WEST + col * step, SOUTH + row * step)))
        for along_rows in (True, False):
            for line in range(side):
                refs = [(line * side + k if along_rows else k * side + line) + 1 for k in range(side)]
                highway = "trunk" if line % 50 == 0 else "secondary" if line % 10 == 0 else "unclassified"
                tags = {"highway": highway}
                if line % 10 == 3:
                    tags["oneway"] = "yes" if (line // 10) % 2 else "-1"
                way_id = line + 1 + (0 if along_rows else side)
                writer.add_way(Way(id=way_id, nodes=refs, tags=tags))
    return side * side


def _timed_build(osm: str, points: pd.DataFrame, max_km: float, cache: str, results) -> None:
    import os

    os.environ["WASTEOPT_CACHE_DIR"] = cache
    from wasteopt.roads.od import load_network, road_od
    from wasteopt.bench.synthetic import peak_rss_mb

    started = time.perf_counter()
    network = load_network(osm)
    read = time.perf_counter()
    od = road_od(network, points, max_km=max_km, snap_tolerance_m=1000.0)
    done = time.perf_counter()
    results.put({"read_s": round(read - started, 3), "od_s": round(done - read, 3),
                 "total_s": round(done - started, 3), "pairs": len(od), "peak_mb": round(peak_rss_mb())})


def bench_roads(nodes: int, num_points: int, max_km: float, seed: int) -> dict:
    """One row: junctions, points, pairs within ``max_km``, seconds (read, OD, total), peak MB of the build."""
    side = int(np.ceil(np.sqrt(nodes)))
    step = SPAN_DEG / (side - 1)
    rng = np.random.default_rng(seed)  # points near junctions (within ≈ 60 m), as towns and plants lie on roads
    at = rng.integers(0, side, (num_points, 2))
    points = pd.DataFrame({"lon": WEST + at[:, 0] * step + rng.uniform(-5e-4, 5e-4, num_points),
                           "lat": SOUTH + at[:, 1] * step + rng.uniform(-5e-4, 5e-4, num_points)},
                          index=pd.Index([f"p{i}" for i in range(num_points)], name="site_id"))
    with tempfile.TemporaryDirectory(prefix="wasteopt-bench-roads-") as folder:
        osm = Path(folder) / "grid.osm.pbf"
        junctions = write_grid(osm, nodes)
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        child = context.Process(target=_timed_build, args=(str(osm), points, max_km, str(Path(folder) / "cache"), results))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise RuntimeError(f"the timed OD build failed (exit code {child.exitcode})")
        row = results.get(timeout=10)
    return {"junctions": junctions, "points": num_points, "max_km": max_km, **row}
