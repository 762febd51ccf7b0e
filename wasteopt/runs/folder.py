"""A run folder: the files of one solve, read and written as a whole.

Writing is guarded and atomic at the level of the folder. ``--out`` may name a new folder, an
empty one, or one this tool marked as its own (the marker file ``.wasteopt``, naming the kind of
output and the run id); anything else is refused, ``--force`` included, so a user's files are
never replaced. A folder is built under a temporary name beside its target and then swapped in
whole, under a lock, so a crash leaves the old folder or the new one, never a mix, and two
writers into one folder cannot both pass the guard. Temporary folders a crash left behind are
removed the next time the folder is written.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import pandas as pd

from wasteopt.config.errors import DataError, OutputError, RunExistsError, RunNotFoundError
from wasteopt.reporting.kpi import kpis_problems
from wasteopt.data.tables import read_number_table, read_plan_facilities
from wasteopt.config.loader import scenario_from_yaml_text
from wasteopt.config.scenario import Scenario
from wasteopt.config.status import current_kpis
from wasteopt.config.userfiles import (MAX_GEODATA_BYTES, MAX_TABLE_BYTES, MAX_YAML_BYTES, checked_file, printable,
                                read_capped, shown)

if TYPE_CHECKING:
    from wasteopt.runs.registry import RunRegistry

RUN_MARKER = "kpis.json"  # the plan's KPIs; a run folder without it is not a finished run
OWNER_MARKER = ".wasteopt"  # {"kind": "run" | "routes", "run_id": ...}: this tool wrote the folder
_TEMP, _OLD, _LOCK = ".wasteopt-tmp-", ".wasteopt-old-", ".wasteopt-lock"
_HOLDS = {"run": "a run", "routes": "routes", "sweep": "a sweep",  # kind → how a message names it
          "cd-rejects": "C&D rejected rows", "cd-reconcile": "a C&D reconciliation",
          "cd-generated": "generated C&D data"}


MAX_MARKER_BYTES = 10_000  # {"kind": …, "run_id": …}


def _owner(folder: Path) -> dict | None:
    """The marker's content; None when there is none or it is not a small JSON object in a regular file."""
    try:
        data = json.loads(read_capped(folder / OWNER_MARKER, MAX_MARKER_BYTES))
    except (DataError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _fsync_tree(folder: Path) -> None:
    for path in [*folder.rglob("*"), folder]:
        if path.is_file() or path.is_dir():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _plain_name(path: str | Path, option: str) -> None:
    """Refuse an output name with a control character (a newline or tab pasted in, an escape sequence)."""
    text = os.fspath(path)
    if not str(text).isprintable():
        raise OutputError(f"{option} {shown(text)}: the name contains a control character (newline, tab, escape "
                          "or NUL); choose a plain name")


def _target(path: str | Path) -> Path:
    """The absolute folder ``path`` names; the file system root, files and names with control characters are
    refused."""
    _plain_name(path, "--out")
    try:
        target = Path(os.path.abspath(Path(path).expanduser()))
        if target.is_symlink():
            target = target.resolve(strict=True)
        if target.exists() and not target.is_dir():
            raise OutputError(f"--out {path}: is a file, not a folder; choose a folder for the output")
    except (OSError, RuntimeError) as error:
        raise OutputError(f"--out {path}: cannot use this path ({getattr(error, 'strerror', None) or error})") from None
    if target.parent == target:
        raise OutputError(f"--out {path}: the file system root cannot be an output folder")
    return target


def check_output_folder(path: str | Path, kind: str, force: bool) -> Path:
    """Refuse ``path`` unless it is new, empty, or (with ``force``) a folder this tool wrote as a ``kind``."""
    target = _target(path)
    if not target.exists():
        return target
    try:
        entries = [entry.name for entry in os.scandir(target)]
    except OSError as error:
        raise OutputError(f"--out {path}: cannot read the folder ({error.strerror})") from None
    if not entries:
        return target
    owner = _owner(target)
    if owner is None and RUN_MARKER in entries:
        raise OutputError(f"--out {path}: the folder looks like a run of an older wasteopt, written before runs were "
                          f"marked (no {OWNER_MARKER}); delete it or choose another --out")
    if owner is None:
        raise OutputError(f"--out {path}: the folder is not empty and was not written by wasteopt (no {OWNER_MARKER}); "
                          "choose a new or empty folder (--force only replaces wasteopt's own output)")
    if owner.get("kind") != kind:
        raise OutputError(f"--out {path}: the folder holds {_HOLDS.get(owner.get('kind'), 'other output')} of wasteopt, "
                          f"not {_HOLDS[kind]}; choose another folder")
    if not force:
        raise RunExistsError(f"{path} already holds {_HOLDS[kind]}; pass --force to replace it, or choose another --out")
    return target


def check_output_file(path: str | Path, force: bool, *, option: str = "--out", example: str = "out.csv",
                      inputs: tuple = ()) -> Path:
    """The one guard for a single output file (``compare --out``, ``network build/circuity --out``): a new file, or
    with ``force`` an existing regular file; never a folder, a special file, the root or one of ``inputs``."""
    _plain_name(path, option)
    try:
        target = Path(os.path.abspath(Path(path).expanduser()))
        exists, is_dir, is_file = target.exists(), target.is_dir(), target.is_file()
        same = exists and any(os.path.exists(source) and os.path.samefile(target, source) for source in inputs)
    except (OSError, ValueError) as error:
        raise OutputError(f"{option} {shown(path)}: cannot use this path ({getattr(error, 'strerror', None) or error})"
                          ) from None
    if is_dir or target.parent == target:
        raise OutputError(f"{option} {shown(path)}: is a folder; give a file name, e.g. {example}")
    if exists and not is_file:
        raise OutputError(f"{option} {shown(path)}: is not a regular file; give a file name, e.g. {example}")
    if same:
        raise OutputError(f"{option} {shown(path)}: is one of this command's input files; choose another file")
    if exists and not force:
        raise RunExistsError(f"{shown(path)} exists; pass --force to overwrite it, or choose another {option}")
    return target


def claim_output_folder(path: str | Path, kind: str) -> Path:
    """A folder that collects ``kind`` output over several calls (a sweep resumes into its folder): new, empty
    or already marked as wasteopt's ``kind``; marked on first use. Anything else is refused."""
    target = check_output_folder(path, kind, force=True)
    try:
        target.mkdir(parents=True, exist_ok=True)
        if _owner(target) is None:
            (target / OWNER_MARKER).write_text(json.dumps({"kind": kind, "run_id": None}) + "\n", encoding="utf-8")
    except OSError as error:
        raise OutputError(f"{shown(path)}: cannot create the output folder ({error.strerror})") from None
    return target


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[None]:
    """An exclusive lock on ``target`` (a lock file beside it); refuse at once if another writer holds it."""
    lock_path = target.parent / f".{target.name}{_LOCK}"
    while True:
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise OutputError(f"{target}: cannot write beside this folder ({error.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputError(f"{target}: another wasteopt process is writing this folder; wait for it or choose "
                              "another --out") from None
        try:
            same = os.stat(lock_path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not a lock file its last holder already removed
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock_path)
        os.close(fd)


def _clean_stale(target: Path) -> None:
    """Remove temporary folders of interrupted writes; put back an old folder a crash left mid-swap."""
    olds = sorted(target.parent.glob(f".{target.name}{_OLD}*"))
    if olds and not target.exists():
        os.rename(olds.pop(), target)
    for leftover in [*target.parent.glob(f".{target.name}{_TEMP}*"), *olds]:
        shutil.rmtree(leftover, ignore_errors=True)


def _swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` (absent, empty, or an old output) by ``staging`` in renames."""
    try:
        os.rename(staging, target)  # a new or empty target: one atomic rename
        return
    except OSError as error:
        if not target.is_dir() or error.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise
    old = target.parent / f".{target.name}{_OLD}{uuid.uuid4().hex[:8]}"
    os.rename(target, old)
    os.rename(staging, target)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staged_folder(path: str | Path, kind: str, force: bool = False, run_id: str | None = None) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``path``; when the block ends without error it is marked as
    wasteopt's ``kind`` output and replaces ``path`` whole. On error nothing at ``path`` changes."""
    target = check_output_folder(path, kind, force)  # refuse early, before taking the lock
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"--out {path}: cannot create the folder ({error.strerror})") from None
    with _locked(target):
        _clean_stale(target)
        check_output_folder(target, kind, force)  # again, now that no other writer can change it
        staging = target.parent / f".{target.name}{_TEMP}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        staging.mkdir()
        try:
            yield staging
            try:
                (staging / OWNER_MARKER).write_text(json.dumps({"kind": kind, "run_id": run_id}) + "\n",
                                                    encoding="utf-8")
                _fsync_tree(staging)
                _swap_in(staging, target)
            except OSError as error:
                raise OutputError(f"{shown(target)}: cannot write the folder ({error.strerror or error}); what was "
                                  "there before is unchanged") from None
        except OutputError as error:  # a file that could not be written: named as the user will look for it
            raise OutputError(str(error).replace(shown(staging), shown(target))) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)


# The columns of a run's tables the report, the app, routing and warm starts read.
FACILITY_COLUMNS = ("new_modules", "name_zh", "name_en", "technology", "status", "existing_capacity_tpd", "module_size_tpd",
                    "capacity_tpd", "throughput_tpd", "raw_msw_tpd", "utilisation", "prefecture_adcode", "lon", "lat")
WARM_START_COLUMNS = ("new_modules", "module_size_tpd")  # and status, when the base stopped landfills
FLOW_TEXT_COLUMNS = ("origin", "origin_name_zh", "destination", "destination_name_zh", "destination_technology",
                     "stream")
FLOW_COLUMNS = (*FLOW_TEXT_COLUMNS, "tonnes_per_day", "km", "origin_lon", "origin_lat", "destination_lon",
                "destination_lat")
DEMAND_TEXT_COLUMNS = ("node_id", "name_zh", "name_en", "prefecture_adcode", "prefecture_zh", "prefecture_en", "kind",
                       "served_by", "served_by_name_zh")
DEMAND_COLUMNS = ("node_id", "prefecture_adcode", "prefecture_zh", "prefecture_en", "msw_tpd", "served_by", "lon",
                  "lat")


class RunFolder:
    """The folder of one solved plan: plan.gpkg, GeoJSON layers, facilities/flows/demand CSVs, plan.xlsx,
    scenario.yaml, kpis.json (and capacity_path.csv, report.*, routes/ when written)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    @property
    def kpis_file(self) -> Path:
        return self.path / RUN_MARKER

    @property
    def plan_file(self) -> Path:
        """plan.gpkg: the plants, demand and flows layers."""
        return self.path / "plan.gpkg"

    @property
    def facilities_file(self) -> Path:
        """facilities.csv: also the ``policy.fixed_plants_file`` of a what-if that keeps this run's plants."""
        return self.path / "facilities.csv"

    @property
    def is_complete(self) -> bool:
        """True when the folder holds a finished run."""
        return self.kpis_file.is_file()

    @property
    def run_id(self) -> str | None:
        """The registry id of the run in this folder (None for folders written before runs were marked)."""
        owner = _owner(self.path)
        return owner.get("run_id") if owner else None

    def holds(self, run_id: str) -> bool:
        """Whether the folder still holds the complete run ``run_id`` (not a later run written over it). A folder
        written outside a run (``export_plan`` without an id) or before runs were marked claims no run."""
        return self.is_complete and self.run_id is not None and self.run_id == run_id

    @contextlib.contextmanager
    def writing(self, force: bool = False, run_id: str | None = None) -> Iterator[Path]:
        """A temporary folder to write the run into; swapped in whole at the end (see the module doc)."""
        with staged_folder(self.path, "run", force, run_id) as staging:
            yield staging

    def _require_complete(self) -> None:
        if not self.is_complete:
            raise DataError(f"{self.path} is not a finished run folder (no {RUN_MARKER})")

    def _text(self, name: str, max_bytes: int) -> str:
        """A run file's text, read like any user file: a regular file, at most ``max_bytes``, UTF-8."""
        data = read_capped(self.path / name, max_bytes, f"run's {name}")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise DataError(f"{shown(self.path / name)}: the run's {name} is not UTF-8 text (byte {error.start})") from None

    def kpis(self) -> dict:
        """kpis.json, checked to be what the report, compare and the app read (:func:`kpis_problems`), its status
        in today's words (a run written by an older version too)."""
        self._require_complete()
        try:
            kpis = json.loads(self._text(RUN_MARKER, MAX_TABLE_BYTES))
        except ValueError as error:
            raise DataError(f"{shown(self.kpis_file)}: not valid JSON ({error})") from None
        problems = kpis_problems(kpis)
        if problems:
            raise DataError(f"{shown(self.kpis_file)}: {len(problems)} problem(s): {'; '.join(problems[:10])}"
                            + ("; …" if len(problems) > 10 else ""))
        if kpis.get("status") != "time_limit" or "rel_gap_asked" in kpis:
            return current_kpis(kpis)
        return current_kpis(kpis, self.scenario_yaml() if (self.path / "scenario.yaml").is_file() else None)

    def scenario_yaml(self) -> str:
        self._require_complete()
        return self._text("scenario.yaml", MAX_YAML_BYTES)

    def scenario(self) -> Scenario:
        """The run's scenario, its relative data paths resolved against the current or the project folder."""
        text, source = self.scenario_yaml(), str(self.path / "scenario.yaml")
        for base in (Path.cwd(), Path(__file__).resolve().parents[2]):
            scenario = scenario_from_yaml_text(text, base_dir=base, source=source)
            if scenario.path(scenario.region.seeds).is_dir():
                return scenario
        raise DataError(f"{self.path}: seeds folder {scenario.region.seeds!r} of the run's scenario not found")

    def facilities(self, required: tuple[str, ...] = FACILITY_COLUMNS) -> pd.DataFrame:
        """Facilities indexed by site_id, checked as ``policy.fixed_plants_file`` is (:func:`read_plan_facilities`);
        ``required``: the columns the caller reads (routing reads a hand-made plan's few)."""
        return read_plan_facilities(self.facilities_file, required=required)

    def flows(self, required: tuple[str, ...] = FLOW_COLUMNS) -> pd.DataFrame:
        return read_number_table(self.path / "flows.csv", required=required, text=FLOW_TEXT_COLUMNS,
                                 allow_empty=True)

    def demand(self, required: tuple[str, ...] = DEMAND_COLUMNS) -> pd.DataFrame:
        """Demand per county indexed by node_id, with the destination that serves it; ``required``: the columns
        the caller reads (routing reads a hand-made plan's few)."""
        return read_number_table(self.path / "demand.csv", required=required, text=DEMAND_TEXT_COLUMNS,
                                 id_column="node_id", allow_empty=True)

    def layers(self) -> dict:
        """The plants, demand and flows layers of plan.gpkg (EPSG:4326 GeoDataFrames)."""
        self._require_complete()
        path = checked_file(self.plan_file, MAX_GEODATA_BYTES, "run's plan.gpkg")
        try:
            return _read_layers(path)
        except (OSError, ValueError, KeyError) as error:  # pyogrio's errors are OSError / ValueError subclasses
            raise DataError(f"{shown(path)}: cannot read the run's plan.gpkg: {error}") from None


def read_run_json(path: Path) -> dict | None:
    """A JSON object a run folder may hold (goal_cost.json, backtest.json), read like any user file; None when
    the folder has no such entry, one DataError when it is not a small regular file holding a JSON object."""
    if not os.path.lexists(path):
        return None
    try:
        data = json.loads(read_capped(path, MAX_TABLE_BYTES, f"run's {path.name}"))
    except ValueError as error:  # not UTF-8 or not JSON
        raise DataError(f"{shown(path)}: not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise DataError(f"{shown(path)}: not a JSON object but a {type(data).__name__}")
    return data


def read_run_csv(path: Path, dtype: dict) -> pd.DataFrame:
    """A further table of a run folder (the backtest's), read like any user file: a regular file within the
    table cap, UTF-8; columns typed by pandas, ``dtype`` as given."""
    data = read_capped(path, MAX_TABLE_BYTES, f"run's {path.name}")
    try:
        return pd.read_csv(io.BytesIO(data), dtype=dtype, encoding="utf-8")
    except (ValueError, pd.errors.ParserError) as error:  # UnicodeDecodeError and EmptyDataError are ValueErrors
        raise DataError(f"{shown(path)}: cannot read the run's {path.name}: {printable(error)[:200]}") from None


@dataclass(frozen=True)
class BaseRun:
    """A finished run a what-if starts from: its id (or folder name), scenario, KPIs and facilities table."""

    run_id: str
    scenario: Scenario
    kpis: dict
    facilities: pd.DataFrame


def load_base_run(ref: str, registry: RunRegistry) -> BaseRun:
    """The run ``ref`` names: a run folder, or a run id in ``registry`` whose folder still holds that run."""
    folder = RunFolder(ref)
    if not folder.is_complete:
        record = registry.get(ref)
        if record is None or not record.out_dir or not RunFolder(record.out_dir).holds(record.run_id):
            raise RunNotFoundError(f"run '{ref}' is neither a run folder (with {RUN_MARKER}) nor a run id with its "
                                   f"files in {registry.path} (see `wasteopt runs`)")
        folder = RunFolder(record.out_dir)
    return BaseRun(folder.run_id or folder.path.name, folder.scenario(), folder.kpis(),
                   folder.facilities(required=WARM_START_COLUMNS))


def _read_layers(path: Path) -> dict:
    """plan.gpkg's plants, demand and flows layers; ``plants`` holds every facility: the file's own
    landfills layer (runs written before it had landfills in plants) is appended to it."""
    import geopandas as gpd
    import pyogrio

    layers = {layer: gpd.read_file(path, layer=layer, engine="pyogrio") for layer in ("plants", "demand", "flows")}
    if "landfills" in {name for name, _ in pyogrio.list_layers(path)}:
        landfills = gpd.read_file(path, layer="landfills", engine="pyogrio")
        layers["plants"] = gpd.GeoDataFrame(pd.concat([layers["plants"], landfills], ignore_index=True),
                                            crs=layers["plants"].crs)
    return layers
