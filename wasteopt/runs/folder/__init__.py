"""A run folder: the files of one solve, read and written only here.

A run folder is written whole by :func:`~wasteopt.runs.pipeline.run_scenario` (or :func:`export_plan`): built
beside its target and swapped in (:mod:`~wasteopt.runs.folder.staging`). After that it changes only through
:meth:`RunFolder.amend` (a report, a backtest, a goal cost added): copied, changed and swapped in whole again,
the change recorded in the run registry. The files' names are in :mod:`~wasteopt.runs.folder.layout`;
:mod:`~wasteopt.runs.folder.plan_files` writes a plan's files.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import pandas as pd

from wasteopt.config.errors import DataError, RunNotFoundError
from wasteopt.config.loader import scenario_from_yaml_text
from wasteopt.config.status import current_kpis
from wasteopt.config.userfiles import (MAX_GEODATA_BYTES, MAX_TABLE_BYTES, MAX_YAML_BYTES, checked_file, printable,
                                       read_capped, shown)
from wasteopt.data.tables import read_number_table, read_plan_facilities
from wasteopt.reporting.kpi import kpis_problems
from wasteopt.config.writers import write_csv, write_json
from wasteopt.runs.folder.layout import (BACKTEST_FILES, GOAL_COST_FILE, OWNER_MARKER, PLAN_FILES, RUN_MARKER,
                                         file_name, is_plan_file)
from wasteopt.runs.folder.staging import (check_output_file, check_output_folder, claim_output_folder, folder_owner,
                                          staged_folder)

if TYPE_CHECKING:  # for annotations only
    from wasteopt.config.scenario.schema import Scenario

if TYPE_CHECKING:
    from wasteopt.runs.registry import RunChange, RunRecord, RunRegistry

__all__ = ["BaseRun", "RunFolder", "load_base_run", "RUN_MARKER", "OWNER_MARKER",
           "check_output_file", "check_output_folder", "claim_output_folder", "staged_folder"]

# The columns of a run's tables the report, the app, routing and warm starts read.
FACILITY_COLUMNS = ("new_modules", "name_zh", "name_en", "technology", "status", "existing_capacity_tpd", "module_size_tpd",
                    "capacity_tpd", "throughput_tpd", "raw_msw_tpd", "utilisation", "prefecture_adcode", "lon", "lat")
WARM_START_COLUMNS = ("new_modules", "module_size_tpd")  # and status, when the base stopped landfills
FLOW_TEXT_COLUMNS = ("origin", "origin_name_zh", "destination", "destination_name_zh", "destination_technology",
                     "stream")
FLOW_COLUMNS = (*FLOW_TEXT_COLUMNS, "tonnes_per_day", "km", "origin_lon", "origin_lat", "destination_lon",
                "destination_lat")
DEMAND_TEXT_COLUMNS = ("node_id", "name_zh", "name_en", "prefecture_adcode", "prefecture_zh", "prefecture_en", "kind",
                       "served_by", "served_by_name_zh", "county_adcode", "county_zh")  # county_*: township resolution
DEMAND_COLUMNS = ("node_id", "prefecture_adcode", "prefecture_zh", "prefecture_en", "msw_tpd", "served_by", "lon",
                  "lat")


class RunFolder:
    """The folder of one solved plan: plan.gpkg, GeoJSON layers, facilities/flows/demand CSVs, plan.xlsx,
    scenario.yaml, kpis.json (and capacity_path.csv, report.*, backtest and goal-cost files when written)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    @classmethod
    def of(cls, record: RunRecord) -> RunFolder | None:
        """The folder of a registry record while it still holds that run, complete; else None."""
        folder = cls(record.out_dir) if record.out_dir else None
        return folder if folder is not None and folder.holds(record.run_id) else None

    @classmethod
    def find(cls, ref: str, registry: RunRegistry) -> RunFolder:
        """The run ``ref`` names: a run folder, or a run id in ``registry`` whose folder still holds that run."""
        folder = cls(ref)
        if folder.is_complete:
            return folder
        record = registry.get(ref)
        folder = cls.of(record) if record is not None else None
        if folder is None:
            raise RunNotFoundError(f"run '{ref}' is neither a run folder (with {RUN_MARKER}) nor a run id with its "
                                   f"files in {registry.path} (see `wasteopt runs`)")
        return folder

    @property
    def kpis_file(self) -> Path:
        return self.path / RUN_MARKER

    @property
    def plan_file(self) -> Path:
        """plan.gpkg: the plants, demand and flows layers."""
        return self.path / PLAN_FILES["gpkg"]

    @property
    def facilities_file(self) -> Path:
        """facilities.csv: also the ``policy.fixed_plants_file`` of a what-if that keeps this run's plants."""
        return self.path / PLAN_FILES["facilities"]

    def file(self, kind: str) -> Path | None:
        """The file of ``kind`` if the folder has it: a key of the files ``run_scenario`` returns ("gpkg",
        "facilities", "geojson_plants", "report_html", …)."""
        path = self.path / file_name(kind)
        return path if path.is_file() else None

    @property
    def is_complete(self) -> bool:
        """True when the folder holds a finished run."""
        return self.kpis_file.is_file()

    @property
    def run_id(self) -> str | None:
        """The registry id of the run in this folder (None for folders written before runs were marked)."""
        owner = folder_owner(self.path)
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

    @contextlib.contextmanager
    def amend(self, registry: RunRegistry, what: str) -> Iterator[Path]:
        """A copy of the finished run to add files to; swapped in whole when the block ends without error, and
        the files that are new or changed recorded in ``registry`` as written by ``what`` when it holds the run.
        The run's own files (the plan's, :func:`~wasteopt.runs.folder.layout.is_plan_file`) are not to be changed."""
        self._require_complete()
        run_id = self.run_id
        recorded = run_id is not None and registry.get(run_id) is not None  # not export_plan's: a run of the registry
        with staged_folder(self.path, "run", force=True, run_id=run_id, keep=True) as staging:
            before = _stamps(staging)
            yield staging
            after = _stamps(staging)
            written = sorted(name for name, stamp in after.items() if before.get(name) != stamp)
            own = sorted(name for name in [*written, *before.keys() - after.keys()] if is_plan_file(name))
            if own:
                raise DataError(f"{shown(self.path)}: {what} may not change or remove the run's own files "
                                f"({', '.join(own)}); nothing was changed")
        if recorded:
            registry.record_change(run_id, self.path, what, written)

    def changes(self, registry: RunRegistry) -> list[RunChange]:
        """What was added to the run after its solve, as ``registry`` recorded it."""
        return registry.changes(self.run_id) if self.run_id else []

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
        return current_kpis(kpis, self.scenario_yaml() if self.file("scenario") is not None else None)

    def scenario_yaml(self) -> str:
        self._require_complete()
        return self._text(PLAN_FILES["scenario"], MAX_YAML_BYTES)

    def scenario(self) -> Scenario:
        """The run's scenario, its relative data paths resolved against the current or the project folder."""
        text, source = self.scenario_yaml(), str(self.path / PLAN_FILES["scenario"])
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
        return read_number_table(self.path / PLAN_FILES["flows"], required=required, text=FLOW_TEXT_COLUMNS,
                                 allow_empty=True)

    def demand(self, required: tuple[str, ...] = DEMAND_COLUMNS) -> pd.DataFrame:
        """Demand per county indexed by node_id, with the destination that serves it; ``required``: the columns
        the caller reads (routing reads a hand-made plan's few)."""
        return read_number_table(self.path / PLAN_FILES["demand"], required=required, text=DEMAND_TEXT_COLUMNS,
                                 id_column="node_id", allow_empty=True)

    def layers(self) -> dict:
        """The plants, demand and flows layers of plan.gpkg (EPSG:4326 GeoDataFrames)."""
        self._require_complete()
        path = checked_file(self.plan_file, MAX_GEODATA_BYTES, "run's plan.gpkg")
        try:
            return _read_layers(path)
        except (OSError, ValueError, KeyError) as error:  # pyogrio's errors are OSError / ValueError subclasses
            raise DataError(f"{shown(path)}: cannot read the run's plan.gpkg: {error}") from None

    def backtest(self) -> dict | None:
        """The backtest of the run (summary, prefectures, built), or None if it holds none."""
        summary = self._json(BACKTEST_FILES["summary"])
        if summary is None:
            return None
        return {"summary": summary,
                "prefectures": self._csv(BACKTEST_FILES["prefectures"], dtype={"prefecture_adcode": str}),
                "built": self._csv(BACKTEST_FILES["built"],
                                   dtype={"site_id": str, "adcode": str, "prefecture_adcode": str})}

    def add_backtest(self, summary: dict, prefectures: pd.DataFrame, built: pd.DataFrame,
                     registry: RunRegistry) -> dict[str, Path]:
        """Add a backtest of the run: its summary (settings, status, scores), the table per prefecture and the
        plants built; recorded in ``registry``."""
        with self.amend(registry, "backtest") as staging:
            write_json(staging / BACKTEST_FILES["summary"], summary)
            write_csv(staging / BACKTEST_FILES["prefectures"], prefectures)
            write_csv(staging / BACKTEST_FILES["built"], built)
        return {kind: self.path / name for kind, name in BACKTEST_FILES.items()}

    def goal_cost(self) -> dict | None:
        """What meeting the new-plants goal costs (see :mod:`wasteopt.studies.goal_cost`), or None if not priced."""
        return self._json(GOAL_COST_FILE)

    def add_goal_cost(self, record: dict, registry: RunRegistry) -> Path:
        """Add (or replace) the goal cost of the run; recorded in ``registry``."""
        with self.amend(registry, "goal_cost") as staging:
            write_json(staging / GOAL_COST_FILE, record)
        return self.path / GOAL_COST_FILE

    def as_base(self) -> BaseRun:
        """The run as the base of a what-if: its id (or folder name), scenario, KPIs and build decisions."""
        return BaseRun(self.run_id or self.path.name, self.scenario(), self.kpis(),
                       self.facilities(required=WARM_START_COLUMNS))

    def _json(self, name: str) -> dict | None:
        """A JSON object the folder may hold, read like any user file; None when the folder has no such entry,
        one DataError when it is not a small regular file holding a JSON object."""
        path = self.path / name
        if not os.path.lexists(path):
            return None
        try:
            data = json.loads(read_capped(path, MAX_TABLE_BYTES, f"run's {name}"))
        except ValueError as error:  # not UTF-8 or not JSON
            raise DataError(f"{shown(path)}: not valid JSON ({error})") from None
        if not isinstance(data, dict):
            raise DataError(f"{shown(path)}: not a JSON object but a {type(data).__name__}")
        return data

    def _csv(self, name: str, dtype: dict) -> pd.DataFrame:
        """A further table of the folder, read like any user file: a regular file within the table cap, UTF-8;
        columns typed by pandas, ``dtype`` as given."""
        path = self.path / name
        data = read_capped(path, MAX_TABLE_BYTES, f"run's {name}")
        try:
            return pd.read_csv(io.BytesIO(data), dtype=dtype, encoding="utf-8")
        except (ValueError, pd.errors.ParserError) as error:  # UnicodeDecodeError, EmptyDataError: ValueErrors
            raise DataError(f"{shown(path)}: cannot read the run's {name}: {printable(error)[:200]}") from None


def _stamps(folder: Path) -> dict[str, tuple]:
    """Each file of ``folder`` (relative name) with its inode, size and mtime: what tells a written file."""
    stamps = {}
    for path in folder.rglob("*"):
        if path.is_file() and path.name != OWNER_MARKER:
            stat = path.stat()
            stamps[str(path.relative_to(folder))] = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    return stamps


@dataclass(frozen=True)
class BaseRun:
    """A finished run a what-if starts from: its id (or folder name), scenario, KPIs and facilities table."""

    run_id: str
    scenario: Scenario
    kpis: dict
    facilities: pd.DataFrame


def load_base_run(ref: str, registry: RunRegistry) -> BaseRun:
    """The run ``ref`` names (a run folder, or a run id in ``registry``; :meth:`RunFolder.find`) as a base run."""
    return RunFolder.find(ref, registry).as_base()


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
