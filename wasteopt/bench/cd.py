"""The C&D store benchmark: a year of a large prefecture (郑州市's counties), generated in parts, loaded with
``wasteopt cd ingest`` and its first month reconciled with ``wasteopt cd reconcile``, each in its own process
so its wall time and peak memory (max RSS) are its own. Full scale is 10 million manifests and about 100
million GPS fixes; ``scale`` shrinks the trips per day.
"""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from wasteopt.cd.generate import ANOMALY_KINDS, GeneratorSettings, generate_parts
from wasteopt.data.tables import read_table

FULL_MANIFESTS_PER_YEAR = 10_000_000
GPS_INTERVAL_S = 90.0  # ≈ 10 fixes per trip: 10⁸ fixes for 10⁷ manifests
PREFECTURE = "410100"  # 郑州市
START = "2024-01-01"
MONTH_DAYS = 31
TRIPS_PER_PART = 200_000


@dataclass(frozen=True)
class Timed:
    step: str
    backend: str
    seconds: float
    peak_mb: float
    detail: str


def bench_settings(scale: float, seed: int = 0) -> GeneratorSettings:
    from wasteopt.cd.generate import COUNTIES_FILE

    counties = read_table(COUNTIES_FILE)
    adcodes = tuple(counties.loc[counties["prefecture_adcode"] == PREFECTURE, "adcode"])
    trips_per_day = max(1, round(FULL_MANIFESTS_PER_YEAR * scale / 365))
    return GeneratorSettings(counties=adcodes, start=START, days=365, trips_per_day=trips_per_day,
                             anomaly_share=0.01, gps_interval_s=GPS_INTERVAL_S, seed=seed)


def write_bench_data(settings: GeneratorSettings, folder: Path) -> dict[str, int]:
    """sites, trucks, manifests, gps and truth CSVs of ``settings`` in ``folder``, written part by part."""
    folder.mkdir(parents=True, exist_ok=True)
    days_per_part = max(1, TRIPS_PER_PART // settings.trips_per_day)
    counts = {"manifests": 0, "gps": 0}
    for k, part in enumerate(generate_parts(settings, days_per_part)):
        if k == 0:
            part.sites.to_csv(folder / "sites.csv", index=False)
            part.trucks.to_csv(folder / "trucks.csv", index=False)
        for name in ("manifests", "gps", "truth"):
            getattr(part, name).to_csv(folder / f"{name}.csv", index=False, header=k == 0, mode="w" if k == 0 else "a")
        counts["manifests"] += len(part.manifests)
        counts["gps"] += len(part.gps)
    return counts


def timed_run(args: list[str]) -> tuple[float, float, float, str]:
    """Run ``python -m wasteopt ARGS``: wall seconds, its own CPU seconds (user + system; a PostgreSQL server's
    work is not in them), its own peak RSS (MB) and its stdout. The peak is the child's VmHWM, polled from /proc:
    getrusage would count the parent's memory the child was forked from."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        process = subprocess.Popen([sys.executable, "-m", "wasteopt", *args], stdout=out, stderr=subprocess.DEVNULL,
                                   text=True)
        peak_kb = 0
        while not (ended := os.wait4(process.pid, os.WNOHANG))[0]:
            peak_kb = max(peak_kb, _high_water_kb(process.pid))
            time.sleep(0.1)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(ended[1])
        if process.returncode != 0:
            raise RuntimeError(f"wasteopt {' '.join(args)} exited with {process.returncode}")
        out.seek(0)
        return seconds, ended[2].ru_utime + ended[2].ru_stime, peak_kb / 1024, out.read()


def _high_water_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    except (OSError, ValueError):
        return 0


def scores(anomalies: pd.DataFrame, truth: pd.DataFrame, manifests_in_month: set[str]) -> dict[str, tuple[float, float]]:
    """Precision and recall per kind, on the month's manifests."""
    truth = truth[truth["manifest_id"].isin(manifests_in_month)]
    out = {}
    for kind in ANOMALY_KINDS:
        got = set(anomalies.loc[anomalies["kind"] == kind, "manifest_id"])
        true = set(truth.loc[truth["kind"] == kind, "manifest_id"])
        out[kind] = (len(got & true) / len(got) if got else float("nan"), len(got & true) / len(true) if true else float("nan"))
    return out


def month_manifests(folder: Path, settings: GeneratorSettings) -> set[str]:
    end = (dt.date.fromisoformat(settings.start) + dt.timedelta(days=MONTH_DAYS)).isoformat()
    ids = set()
    for chunk in pd.read_csv(folder / "manifests.csv", usecols=["manifest_id", "depart_time"], dtype=str,
                             chunksize=1_000_000):
        ids.update(chunk.loc[chunk["depart_time"] < end, "manifest_id"])
    return ids


def month_to(settings: GeneratorSettings) -> str:
    return (dt.date.fromisoformat(settings.start) + dt.timedelta(days=MONTH_DAYS - 1)).isoformat()
