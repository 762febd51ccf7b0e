"""Run registry: every solve (CLI, app, sweep) recorded in an embedded SQLite database.

One row per solve: scenario YAML and hash, status, KPIs (JSON), where its files are, when
and from where it ran. Runs can be listed and compared later, and sweeps skip variants
whose scenario hash already has a finished run.
"""
from __future__ import annotations

import json
import sqlite3
import time
import uuid
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from wasteopt.errors import DataError
from wasteopt.scenario import Scenario
from wasteopt.userfiles import shown

DEFAULT_REGISTRY = Path("runs") / "registry.sqlite"

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
"""


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


class RunRegistry:
    """The SQLite file at ``path`` (created on first use). Safe for several processes: each call is one transaction."""

    def __init__(self, path: str | Path = DEFAULT_REGISTRY):
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=30)
        connection.executescript(_SCHEMA)
        return connection

    @contextmanager
    def _session(self):
        """A connection, closed afterwards; a corrupt or foreign file (or a locked one) is one DataError."""
        try:
            with closing(self._connect()) as connection:
                yield connection
        except (sqlite3.Error, ValueError, TypeError) as error:  # ValueError/TypeError: rows that do not parse
            raise DataError(f"{shown(self.path)}: not a readable run registry ({error}); move the file aside "
                            "(a new registry is created) or pass another --registry") from None

    def record(self, scenario: Scenario, kpis: dict, out_dir: str | Path | None = None, source: str = "cli",
               run_id: str | None = None) -> RunRecord:
        """Store one solve; ``run_id`` (from :func:`new_run_id`) lets a caller name its run folder first."""
        record = RunRecord(
            run_id=run_id or new_run_id(), created_at=time.time(),
            name=scenario.name, scenario_hash=scenario.content_hash(), status=str(kpis.get("status")),
            objective=kpis.get("objective"), gap=kpis.get("gap"), solve_seconds=kpis.get("solve_seconds"),
            out_dir=str(Path(out_dir).resolve()) if out_dir else None, source=source,
            scenario_yaml=scenario.to_yaml(), kpis=kpis,
        )
        with self._session() as db, db:
            db.execute("INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", (
                record.run_id, record.created_at, record.name, record.scenario_hash, record.status,
                record.objective, record.gap, record.solve_seconds, record.out_dir, record.source,
                record.scenario_yaml, json.dumps(kpis, ensure_ascii=False, default=_plain)))
        return record

    def list(self, limit: int = 200) -> pd.DataFrame:
        """Newest first: run_id, created_at, name, status, objective, gap, solve_seconds, out_dir, source."""
        if not self.path.exists():
            return pd.DataFrame(columns=["run_id", "created_at", "name", "status", "objective", "gap",
                                         "solve_seconds", "out_dir", "source", "scenario_hash"])
        with self._session() as db:
            frame = pd.read_sql_query(
                "SELECT run_id, created_at, name, status, objective, gap, solve_seconds, out_dir, source, scenario_hash "
                "FROM runs ORDER BY created_at DESC LIMIT ?", db, params=(limit,))
        frame["created_at"] = pd.to_datetime(frame["created_at"], unit="s").dt.strftime("%Y-%m-%d %H:%M:%S")
        return frame

    def records(self, limit: int = 200) -> list[RunRecord]:
        """Whole records (with scenario YAML and KPIs), newest first."""
        if not self.path.exists():
            return []
        with self._session() as db:
            return [_record(row) for row in db.execute("SELECT * FROM runs ORDER BY created_at DESC LIMIT ?",
                                                       (limit,)).fetchall()]

    def get(self, run_id: str) -> RunRecord | None:
        return self._one("SELECT * FROM runs WHERE run_id = ?", (run_id,))

    def latest_for_hash(self, scenario_hash: str) -> RunRecord | None:
        """The newest run of exactly this scenario (for sweeps that resume)."""
        return self._one("SELECT * FROM runs WHERE scenario_hash = ? ORDER BY created_at DESC LIMIT 1", (scenario_hash,))

    def _one(self, sql: str, params: tuple) -> RunRecord | None:
        if not self.path.exists():
            return None
        with self._session() as db:
            row = db.execute(sql, params).fetchone()
            return None if row is None else _record(row)


def _record(row: tuple) -> RunRecord:
    *fields, kpis_json = row
    return RunRecord(*fields, kpis=json.loads(kpis_json))


def new_run_id() -> str:
    """Sortable and unique: local time plus 6 random hex digits, e.g. 20250101-120000-a1b2c3."""
    return time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


def _plain(value):
    return value.item() if hasattr(value, "item") else str(value)
