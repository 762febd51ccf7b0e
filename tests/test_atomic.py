"""Exports are atomic file by file: a process killed mid-write leaves the old file or the new one,
never a partial one. (Whole run folders: tests/test_run_folder.py.)"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from wasteopt.config.writers import atomic_path, write_csv, write_text

ROOT = Path(__file__).resolve().parents[1]

WRITER = textwrap.dedent("""
    import sys
    import pandas as pd
    from wasteopt.config.writers import write_csv, write_text
    target, kind = sys.argv[1], sys.argv[2]
    version = 0
    print("ready", flush=True)
    while True:  # rewrite forever until killed; every version is complete and self-describing
        version += 1
        if kind == "text":
            write_text(target, f"version {version}\\n" + "x" * 2_000_000 + f"\\nend {version}\\n")
        else:
            frame = pd.DataFrame({"version": version, "value": range(200_000)})
            write_csv(target, frame)
""")


# Each kill costs a fresh interpreter importing pandas/geopandas: a few spread-out kill times.
DELAYS = {"text": (0.05, 0.4, 1.1), "csv": (0.2, 0.9)}


def _complete_text(text: str) -> bool:
    head, _, rest = text.partition("\n")
    return head.startswith("version ") and rest.endswith(f"end {head.split()[1]}\n")


def _complete_csv(path: Path) -> bool:
    frame = pd.read_csv(path)
    return len(frame) == 200_000 and frame["version"].nunique() == 1 and frame["value"].iloc[-1] == 199_999


@pytest.mark.parametrize("kind", ["text", "csv"])
def test_sigkill_mid_export_leaves_old_or_new_file(tmp_path, kind):
    target = tmp_path / ("out.txt" if kind == "text" else "out.csv")
    if kind == "text":
        write_text(target, "version 0\n" + "end 0\n")
    else:
        write_csv(target, pd.DataFrame({"version": 0, "value": range(200_000)}))
    for delay in DELAYS[kind]:
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target), kind], cwd=ROOT,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stdout.close()
        assert proc.returncode == -signal.SIGKILL
        if kind == "text":
            assert _complete_text(target.read_text(encoding="utf-8")), f"partial file after kill at {delay} s"
        else:
            assert _complete_csv(target), f"partial file after kill at {delay} s"
    # Leftovers are hidden temp files beside the target, never the target itself.
    assert all(p.name.startswith(f".{target.name}.") for p in tmp_path.iterdir() if p != target)


def test_failed_writer_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "kpis.json"
    write_text(target, "old\n")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("writer crashed")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["kpis.json"]


def test_a_geojson_is_named_after_its_file_not_the_temporary_one(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    from wasteopt.config.writers import write_geojson

    write_geojson(tmp_path / "plants.geojson", gpd.GeoDataFrame({"a": [1]}, geometry=[Point(113.6, 34.7)], crs=4326))
    assert json.loads((tmp_path / "plants.geojson").read_text(encoding="utf-8"))["name"] == "plants"
