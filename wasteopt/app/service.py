"""What the app keeps: where runs and configs are, scenarios loaded safely (files, uploads, share links), the
registry and its runs' files. Solves run in :mod:`wasteopt.app.jobs`, routes in :mod:`wasteopt.app.county_routes`.
No Streamlit here."""
from __future__ import annotations

import base64
import os
import re
import unicodedata
import zlib
from pathlib import Path

from wasteopt.config.errors import ScenarioError
from wasteopt.runs.folder import RunFolder
from wasteopt.runs.registry import RunRecord, RunRegistry
from wasteopt.config.loader import load_scenario, not_utf8_message, scenario_from_yaml_text
from wasteopt.config.scenario.schema import Scenario
from wasteopt.config.userfiles import MAX_YAML_BYTES, resolved

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIGS = PROJECT_ROOT / "configs"
DEFAULT_CONFIG = "henan-2025-zero-landfill.yaml"
RUNS_DIR_ENV = "WASTEOPT_RUNS_DIR"  # tests point the app at a temporary runs/ folder

def runs_dir() -> Path:
    return Path(os.environ.get(RUNS_DIR_ENV) or PROJECT_ROOT / "runs")


def registry() -> RunRegistry:
    return RunRegistry(runs_dir() / "registry.sqlite")


def config_names() -> list[str]:
    return sorted(path.name for path in CONFIGS.glob("*.yaml"))


def load_config(name: str) -> Scenario:
    """A scenario from ``configs/``; only names that are listed there are accepted."""
    if name not in config_names():
        raise ScenarioError(f"no config named {name!r} in configs/")
    return load_scenario(CONFIGS / name)


def scenario_from_upload(data: bytes, filename: str = "upload") -> Scenario:
    """Validate an uploaded YAML: size cap, UTF-8, safe loader, schema, and files only inside the project."""
    source = safe_file_stem(Path(filename).stem, fallback="upload") + ".yaml"
    if len(data) > MAX_YAML_BYTES:
        raise ScenarioError(f"{source} is larger than {MAX_YAML_BYTES // 1000} kB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioError(not_utf8_message(source, data, error)) from None
    scenario = scenario_from_yaml_text(text, base_dir=PROJECT_ROOT, source=source)
    check_paths_inside(scenario, PROJECT_ROOT)
    return scenario


def share_token(scenario: Scenario) -> str:
    """The scenario as a link parameter: its YAML, zlib-compressed, URL-safe base64 (a few kB for a config)."""
    return base64.urlsafe_b64encode(zlib.compress(scenario.to_yaml().encode("utf-8"), 9)).decode().rstrip("=")


def scenario_from_share(token: str) -> Scenario:
    """The scenario of a share link, checked as an upload is; never more than an upload's bytes unpacked."""
    try:
        packed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        unpacker = zlib.decompressobj()
        data = unpacker.decompress(packed, MAX_YAML_BYTES + 1)
        complete = unpacker.eof
    except (ValueError, zlib.error):
        complete = False
    if not complete:  # cut off, edited, or more than an upload may hold
        raise ScenarioError("the share link is damaged or too long: ask for the link again")
    return scenario_from_upload(data, "shared.yaml")


def check_paths_inside(scenario: Scenario, root: Path) -> None:
    """An uploaded scenario may only read data files inside the project folder."""
    paths = [("region.seeds", scenario.region.seeds), *scenario.named_files()]
    root = root.resolve()
    for key, value in paths:
        if value is not None and not resolved(scenario.path(value)).is_relative_to(root):
            raise ScenarioError(f"key '{key}': {value!r} is outside the project folder; uploads may only use files in it")


def warm_start_run(record: RunRecord | None, scenario: Scenario) -> RunRecord | None:
    """``record`` if ``scenario`` (one year, one future) can warm-start from it: a one-year run with its files,
    of the same config (the planner's what-if of it); else None."""
    if (record is None or scenario.phasing.years or scenario.uncertainty is not None or not has_files(record)
            or record.name != scenario.name):
        return None
    if saved_scenario(record.scenario_yaml).phasing.years:
        return None
    return record


def has_files(record: RunRecord) -> bool:
    """Whether the run's folder still holds it, complete."""
    return RunFolder.of(record) is not None


def saved_scenario(scenario_yaml: str) -> Scenario:
    """The scenario a run recorded (its YAML in the registry)."""
    return scenario_from_yaml_text(scenario_yaml, base_dir=PROJECT_ROOT, source="saved run")


_UNSAFE = re.compile(r"[^\w\-.]+", re.UNICODE)


def safe_file_stem(text: str, fallback: str = "plan", max_length: int = 80) -> str:
    """A file name stem without path separators, control or shell characters; CJK letters are kept."""
    text = unicodedata.normalize("NFKC", str(text))
    stem = _UNSAFE.sub("_", text).strip("._-")
    stem = re.sub(r"_+", "_", stem)[:max_length].strip("._-")
    return stem or fallback


def download_name(record: RunRecord, suffix: str) -> str:
    return f"{safe_file_stem(record.name)}_{safe_file_stem(record.run_id, 'run')}{suffix}"


def routes_folder(record: RunRecord, adcode: str) -> Path:
    """Where the app writes one county's routes of a run: beside the run folder (``<run_id>-routes/<adcode>/``),
    so the run folder stays as it was recorded."""
    run = Path(record.out_dir)
    return run.parent / f"{run.name}-routes" / adcode


def route_files(record: RunRecord, adcode: str) -> dict[str, Path]:
    """The route files written for one county of a run: routes.gpkg, routes.csv, kpis.csv (those present)."""
    folder = routes_folder(record, adcode)
    return {name: folder / name for name in ("routes.gpkg", "routes.csv", "kpis.csv") if (folder / name).is_file()}
