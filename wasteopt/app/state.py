"""Session state and cached loaders shared by the pages (the only app module besides pages that imports Streamlit)."""
from __future__ import annotations

import os
from urllib.parse import urlsplit

import geopandas as gpd
import streamlit as st

from wasteopt.app import service
from wasteopt.app.messages import bilingual_error
from wasteopt.config.errors import WasteoptError
from wasteopt.data.region import Region, load_region
from wasteopt.roads.lines import main_roads_file, read_main_roads
from wasteopt.runs.folder import RunFolder
from wasteopt.runs.registry import RunRecord
from wasteopt.reporting.labels import DEFAULT_LANGUAGE, markdown_literal, status_name, t
from wasteopt.reporting.tiles import TILES_ENV, valid_tile_url

KNOB_PREFIX = "knob."
RUN_PREFIX = "run."  # the planner's label and note for the next solve
SESSION_RUNS = "session_runs"
CURRENT_RUN = "current_run"
BASE_RUN = "base_run"  # the run the planner marked as base: warm starts start from it, Compare measures against it
TILES = "tiles"  # the sidebar's basemap tile URL template ("" = none, the default)


def lang() -> str:
    return st.session_state.get("lang", DEFAULT_LANGUAGE)


def keep_widget_state() -> None:
    """Knob values (and the C&D page's folder, which the export page's report takes) survive page switches (Streamlit drops state of widgets not drawn on the current page)."""
    for key in list(st.session_state):
        if str(key).startswith((KNOB_PREFIX, RUN_PREFIX)) or key in ("lang", "cd_folder"):
            st.session_state[key] = st.session_state[key]


def tile_setting() -> None:
    """The sidebar's optional basemap (an XYZ tile URL template; empty by default, or WASTEOPT_TILES)."""
    st.session_state.setdefault(TILES, os.environ.get(TILES_ENV, "").strip())
    st.sidebar.text_input(t("tiles", lang()), key=TILES, help=t("tiles_help", lang()),
                          placeholder="https://…/{z}/{x}/{y}.png")


def tiles() -> str | None:
    """The basemap tile URL for the maps, if one is set; one that is no XYZ template is said and not used."""
    url = st.session_state.get(TILES, "").strip()
    if url and not valid_tile_url(url):
        st.warning(t("tiles_bad", lang(), url=markdown_literal(url)))
        return None
    return url or None


def tiles_caption(url: str | None) -> None:
    if url:
        st.caption(t("tiles_source", lang(), host=markdown_literal(urlsplit(url).hostname or url)))


def remember_run(record: RunRecord) -> None:
    runs = st.session_state.setdefault(SESSION_RUNS, [])
    if record.run_id not in runs:
        runs.append(record.run_id)
    st.session_state[CURRENT_RUN] = record.run_id


@st.cache_data(show_spinner=False, max_entries=32)
def _layers(out_dir: str, _stamp: float) -> dict:
    return RunFolder(out_dir).layers()


def run_layers(record: RunRecord) -> dict:
    """The saved plan's layers (cached on the file's mtime)."""
    return _layers(record.out_dir, RunFolder(record.out_dir).plan_file.stat().st_mtime)


@st.cache_resource(show_spinner=False, max_entries=8)
def _region(scenario_yaml: str) -> Region:
    return load_region(service.saved_scenario(scenario_yaml))


def run_region(record: RunRecord) -> Region:
    """The Region a run was solved on (prefecture boundaries, every landfill)."""
    return _region(record.scenario_yaml)


@st.cache_data(show_spinner=False, max_entries=4)
def _main_roads(path: str, _stamp: float) -> gpd.GeoDataFrame | None:
    return read_main_roads(path)


def run_roads(record: RunRecord) -> gpd.GeoDataFrame | None:
    """The main roads of the network the run's road km came from (written by `wasteopt network build` beside the
    OD file its scenario names), or None; a file that cannot be read is said, and the map drawn without it."""
    scenario = service.saved_scenario(record.scenario_yaml)
    if not scenario.network.od_matrix_file:
        return None
    path = main_roads_file(scenario.path(scenario.network.od_matrix_file))
    try:
        return _main_roads(str(path), path.stat().st_mtime) if path.is_file() else None
    except (WasteoptError, OSError) as error:
        show_error(error)
        return None


def saved_runs() -> list[RunRecord]:
    """Runs in the registry whose files still exist: this project's (of the config loaded on the scenario
    page) first, each group newest first."""
    base = st.session_state.get("base")
    runs = [r for r in service.registry().records() if service.has_files(r)]
    return sorted(runs, key=lambda r: base is None or r.name != base.name)  # stable: newest first within


def run_labels(records) -> dict[str, str]:
    """run_id → title, status and id; this session's runs are starred."""
    mine, star = set(st.session_state.get(SESSION_RUNS, [])), f" ★ {t('this_session', lang())}"
    return {r.run_id: f"{r.title(lang())} · {status_name(r.status, lang())} · {r.run_id}{star if r.run_id in mine else ''}"
            for r in records}


def pick_run(label: str, key: str) -> RunRecord:
    """A selectbox of saved runs, preselecting this session's current run; with none saved, the page says
    what to do and stops."""
    runs = saved_runs()
    if not runs:
        st.info(t("no_run", lang()))
        st.stop()
    ids = [r.run_id for r in runs]
    current = st.session_state.get(CURRENT_RUN)
    index = ids.index(current) if current in ids else 0
    labels = run_labels(runs)
    chosen = st.selectbox(label, ids, index=index, key=key, format_func=labels.get)
    return next(r for r in runs if r.run_id == chosen)


def run_plan(record: RunRecord) -> tuple[dict, Region]:
    """The run's plan layers and its Region (both cached); if its files cannot be read, the page shows why
    and stops."""
    try:
        return run_layers(record), run_region(record)
    except (WasteoptError, OSError) as error:
        show_error(error)
        st.stop()


def show_error(error: Exception) -> None:
    """One error box: 中文 first, the English original beside it (a file system error names no server path)."""
    if isinstance(error, OSError) and not isinstance(error, WasteoptError):
        st.error(bilingual_error("OSError", f"cannot read a run file: {error.strerror or type(error).__name__}"))
    else:
        st.error(bilingual_error(type(error).__name__, str(error)))
