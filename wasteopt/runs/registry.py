"""Run registry: every solve (CLI, app, sweep) recorded in an embedded SQLite database.

One row per solve: scenario YAML and hash, status, KPIs (JSON), where its files are, when
and from where it ran, and how the planner names it (a label, the changes from its base
scenario, a note). Runs can be listed and compared later, and sweeps skip variants whose
scenario hash already has a finished run.
"""
from __future__ import annotations

import json
import sqlite3
import time
import uuid
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from wasteopt.config.errors import DataError, RunNotFoundError
from wasteopt.config.changes import Change, run_title
from wasteopt.config.status import current_kpis, recorded_status
from wasteopt.config.userfiles import shown

if TYPE_CHECKING:  # for annotations only
    from wasteopt.config.scenario.schema import Scenario

DEFAULT_REGISTRY = Path("runs") / "registry.sqlite"
LOCK_WAIT_S = 30  # how long a call waits for another process's write to finish


class RegistryBusy(DataError):
    """Another process holds the registry's lock longer than :data:`LOCK_WAIT_S`; the file itself is fine."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    name TEXT NOT NULL,
    scenario_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    objective REAL,
    gap REAL,
    solve_seconds REAL,
    out_dir TEXT,
    source TEXT NOT NULL,
    scenario_yaml TEXT NOT NULL,
    kpis_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_hash ON runs (scenario_hash);
CREATE TABLE IF NOT EXISTS run_changes (
    run_id TEXT NOT NULL,
    changed_at REAL NOT NULL,
    out_dir TEXT NOT NULL,
    what TEXT NOT NULL,
    files_json TEXT NOT NULL
);
"""
# Columns added after the first release: registries written before them get them on first use.
_ADDED_COLUMNS = {"label": "TEXT NOT NULL DEFAULT ''", "changes_json": "TEXT NOT NULL DEFAULT '[]'",
                  "note": "TEXT NOT NULL DEFAULT ''", "base_run": "TEXT"}
_COLUMNS = ("run_id", "created_at", "name", "scenario_hash", "status", "objective", "gap", "solve_seconds",
            "out_dir", "source", "scenario_yaml", "kpis_json", *_ADDED_COLUMNS)


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    created_at: float
    name: str
    scenario_hash: str
    status: str
    objective: float | None
    gap: float | None
    solve_seconds: float | None
    out_dir: str | None
    source: str
    scenario_yaml: str
    kpis: dict
    label: str = ""
    changes: tuple[Change, ...] = ()
    note: str = ""
    base_run: str | None = None

    def title(self, lang: str = "zh") -> str:
        """The planner's label (else the scenario's name) and the changes from its base scenario in words."""
        return run_title(self.label or self.name, list(self.changes), lang)


@dataclass(frozen=True)
class RunChange:
    """Files added to or replaced in a finished run folder after its solve (a report, a backtest, a goal cost)."""

    run_id: str
    changed_at: float
    out_dir: str
    what: str
    files: tuple[str, ...]


class RunRegistry:
    """The SQLite file at ``path`` (created on first use). Safe for several processes: each call is one transaction."""

    def __init__(self, path: str | Path = DEFAULT_REGISTRY):
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=LOCK_WAIT_S)
        connection.executescript(_SCHEMA)
        present = {row[1] for row in connection.execute("PRAGMA table_info(runs)")}
        for column, kind in _ADDED_COLUMNS.items():
            if column not in present:
                with connection:
                    connection.execute(f"ALTER TABLE runs ADD COLUMN {column} {kind}")
        return connection

    @contextmanager
    def _session(self):
        """A connection, closed afterwards; a corrupt or foreign file is one DataError, a locked one a RegistryBusy."""
        try:
            with closing(self._connect()) as connection:
                yield connection
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise DataError(f"{shown(self.path)}: not a readable run registry ({error}); move the file aside "
                                "(a new registry is created) or pass another --registry") from None
            raise RegistryBusy(f"{shown(self.path)}: the run registry is busy: another process held its lock for "
                               f"{LOCK_WAIT_S} s; keep the file (it holds the run history) and try again when that "
                               "process has finished") from None
        except (sqlite3.Error, ValueError, TypeError) as error:  # ValueError/TypeError: rows that do not parse
            raise DataError(f"{shown(self.path)}: not a readable run registry ({error}); move the file aside "
                            "(a new registry is created) or pass another --registry") from None

    def record(self, scenario: Scenario, kpis: dict, out_dir: str | Path | None = None, source: str = "cli",
               run_id: str | None = None, *, label: str = "", changes: list[Change] = (), note: str = "",
               base_run: str | None = None) -> RunRecord:
        """Store one solve; ``run_id`` (from :func:`new_run_id`) lets a caller name its run folder first.
        ``label`` and ``note`` are the planner's, ``changes`` what the scenario changes against its base
        (see :func:`wasteopt.config.changes.scenario_changes`), ``base_run`` the run it started from."""
        kpis = kpis.to_dict() if hasattr(kpis, "to_dict") else dict(kpis)  # typed Kpis or a plain mapping
        record = RunRecord(
            run_id=run_id or new_run_id(), created_at=time.time(),
            name=scenario.name, scenario_hash=scenario.content_hash(), status=str(kpis.get("status")),
            objective=kpis.get("objective"), gap=kpis.get("gap"), solve_seconds=kpis.get("solve_seconds"),
            out_dir=str(Path(out_dir).resolve()) if out_dir else None, source=source,
            scenario_yaml=scenario.to_yaml(), kpis=kpis, label=label.strip(), changes=tuple(changes),
            note=note.strip(), base_run=base_run,
        )
        changes_json = json.dumps([vars(change) for change in record.changes], ensure_ascii=False)
        with self._session() as db, db:
            db.execute(f"INSERT INTO runs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})", (
                record.run_id, record.created_at, record.name, record.scenario_hash, record.status,
                record.objective, record.gap, record.solve_seconds, record.out_dir, record.source,
                record.scenario_yaml, json.dumps(kpis, ensure_ascii=False, default=_plain), record.label,
                changes_json, record.note, record.base_run))
        return record

    def rename(self, run_id: str, label: str | None = None, note: str | None = None) -> RunRecord:
        """Change a run's label and/or note (the planner's words; the run itself stays as solved)."""
        with self._session() as db, db:
            if label is not None:
                db.execute("UPDATE runs SET label = ? WHERE run_id = ?", (label.strip(), run_id))
            if note is not None:
                db.execute("UPDATE runs SET note = ? WHERE run_id = ?", (note.strip(), run_id))
        record = self.get(run_id)
        if record is None:
            raise RunNotFoundError(f"run '{run_id}' is not in {self.path} (see `wasteopt runs`)")
        return record

    def record_change(self, run_id: str, out_dir: str | Path, what: str, files: list[str]) -> RunChange:
        """Note that ``files`` (names in the folder) of run ``run_id`` in ``out_dir`` were written by ``what``."""
        change = RunChange(run_id, time.time(), str(Path(out_dir).resolve()), what, tuple(files))
        with self._session() as db, db:
            db.execute("INSERT INTO run_changes (run_id, changed_at, out_dir, what, files_json) VALUES (?, ?, ?, ?, ?)",
                       (change.run_id, change.changed_at, change.out_dir, change.what, json.dumps(change.files)))
        return change

    def changes(self, run_id: str) -> list[RunChange]:
        """What was written into run ``run_id``'s folder after its solve, oldest first."""
        if not self.path.exists():
            return []
        with self._session() as db:
            rows = db.execute("SELECT run_id, changed_at, out_dir, what, files_json FROM run_changes WHERE run_id = ? "
                              "ORDER BY changed_at", (run_id,)).fetchall()
        return [RunChange(*row[:4], tuple(json.loads(row[4]))) for row in rows]

    def list(self, limit: int = 200) -> pd.DataFrame:
        """Newest first: run_id, created_at, title, status, objective, gap, solve_seconds, out_dir, source, note,
        scenario_hash."""
        columns = ["run_id", "created_at", "title", "status", "objective", "gap", "solve_seconds", "out_dir",
                   "source", "note", "scenario_hash"]
        frame = pd.DataFrame([{**vars(r), "title": r.title()} for r in self.records(limit)], columns=columns)
        frame["created_at"] = pd.to_datetime(frame["created_at"], unit="s").dt.strftime("%Y-%m-%d %H:%M:%S")
        return frame

    def records(self, limit: int = 200) -> list[RunRecord]:
        """Whole records (with scenario YAML and KPIs), newest first."""
        if not self.path.exists():
            return []
        with self._session() as db:
            rows = db.execute(f"SELECT {_SELECT} FROM runs ORDER BY created_at DESC LIMIT ?", (limit,)).fetchall()
            return [_record(row) for row in rows]

    def get(self, run_id: str) -> RunRecord | None:
        return self._one(f"SELECT {_SELECT} FROM runs WHERE run_id = ?", (run_id,))

    def runs_for_hash(self, scenario_hash: str) -> list[RunRecord]:
        """Every run of exactly this scenario, newest first (for reuse and sweeps that resume)."""
        if not self.path.exists():
            return []
        with self._session() as db:
            rows = db.execute(f"SELECT {_SELECT} FROM runs WHERE scenario_hash = ? ORDER BY created_at DESC",
                              (scenario_hash,)).fetchall()
            return [_record(row) for row in rows]

    def _one(self, sql: str, params: tuple) -> RunRecord | None:
        if not self.path.exists():
            return None
        with self._session() as db:
            row = db.execute(sql, params).fetchone()
            return None if row is None else _record(row)


_SELECT = ", ".join(_COLUMNS)


def _record(row: tuple) -> RunRecord:
    """A row as a record; the status words of older versions in today's (see :func:`current_kpis`)."""
    *fields, kpis_json, label, changes_json, note, base_run = row
    changes = tuple(Change(**change) for change in json.loads(changes_json))
    kpis = current_kpis(json.loads(kpis_json), fields[-1])
    column = _COLUMNS.index("status")
    fields[column] = kpis.get("status") or recorded_status(fields[column], None, None)
    return RunRecord(*fields, kpis=kpis, label=label, changes=changes, note=note, base_run=base_run)


def new_run_id() -> str:
    """Sortable and unique: local time plus 6 random hex digits, e.g. 20250101-120000-a1b2c3."""
    return time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


def _plain(value):
    return value.item() if hasattr(value, "item") else str(value)
