"""A manifest store's database for reading: a DuckDB file or a PostgreSQL URL through one SQLAlchemy engine.

:mod:`wasteopt.cd.store` loads and keeps the tables; a plan that starts from what the store observed only reads
them, read-only (a DuckDB file is not written, nor created when missing).
"""
from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd

from wasteopt.config.errors import DataError

DUPLICATE_MINUTES = 15.0  # a manifest filed again by the same truck and project within this is the same load

_WITH_DUPLICATES_SQL = """
SELECT *, CASE WHEN gap_s <= :duplicate_s THEN previous_id END AS duplicate_of FROM (
    SELECT *, LAG(manifest_id) OVER w AS previous_id,
           CAST(EXTRACT(EPOCH FROM depart_time) AS DOUBLE PRECISION)
             - CAST(EXTRACT(EPOCH FROM LAG(depart_time) OVER w) AS DOUBLE PRECISION) AS gap_s
    FROM manifests WHERE depart_time >= :look_from AND depart_time < :b
    WINDOW w AS (PARTITION BY truck_plate, project_id ORDER BY depart_time, manifest_id)
) AS filed WHERE depart_time >= :a"""


def manifests_with_duplicates(start: dt.datetime, end: dt.datetime,
                              duplicate_minutes: float = DUPLICATE_MINUTES) -> tuple[str, dict]:
    """SQL and its parameters for the manifests departing in [``start``, ``end``), every column and ``duplicate_of``:
    the manifest_id of the one the same truck filed for the same project ≤ ``duplicate_minutes`` before it (by
    departure), else NULL; ``gap_s`` is the seconds since that one. A duplicate is a second record of the same load:
    it counts in no intake, fill, generation or sources. The manifests of the ``duplicate_minutes`` before
    ``start`` are looked at too, so a period's first manifests are judged as in the whole history. The one rule
    of ``wasteopt cd reconcile`` and ``cd.observed``."""
    window = dt.timedelta(minutes=duplicate_minutes)
    return _WITH_DUPLICATES_SQL, {"a": start, "b": end, "look_from": start - window,
                                  "duplicate_s": window.total_seconds()}


def store_url(store: str) -> str:
    """A SQLAlchemy URL for ``--store``: a URL as given (``postgresql://`` uses psycopg 3), else a DuckDB file."""
    if "://" not in store:
        return f"duckdb:///{Path(store).expanduser().absolute()}"
    if store.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + store.split("://", 1)[1]
    return store


def exact_sum(column: str, postgres: bool) -> str:
    """SQL for the correctly rounded sum of a DOUBLE column, whatever order the rows come in (a plain SUM's last
    digit depends on it, and that digit can flip a rounded figure)."""
    return f"CAST(SUM(CAST({column} AS NUMERIC)) AS DOUBLE PRECISION)" if postgres else f"FSUM({column})"


@contextlib.contextmanager
def reading(store: str) -> Iterator[tuple[Callable[..., pd.DataFrame], bool]]:
    """``(query, is_postgres)`` on the store ``store`` opened read-only: ``query(sql, **params)`` returns the rows
    as a DataFrame (SQLAlchemy ``:name`` parameters). A store that cannot be opened or read is a DataError."""
    import sqlalchemy as sa

    is_url = "://" in store
    if not is_url and not Path(store).expanduser().is_file():
        raise DataError("no such store (load one with wasteopt cd ingest)")
    try:
        engine = sa.create_engine(store_url(store), **({} if is_url else {"connect_args": {"read_only": True}}))
    except (sa.exc.SQLAlchemyError, OSError, ImportError) as error:
        raise DataError(f"cannot open the store: {_first_line(error)}") from None
    try:
        with engine.connect() as conn:
            def query(sql: str, **params) -> pd.DataFrame:
                try:
                    result = conn.execute(sa.text(sql), params)
                    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))
                except sa.exc.SQLAlchemyError as error:
                    raise DataError(f"not a manifest store of wasteopt cd ingest: {_first_line(error)}") from None

            yield query, engine.dialect.name == "postgresql"
    except sa.exc.SQLAlchemyError as error:
        raise DataError(f"cannot open the store: {_first_line(error)}") from None
    finally:
        engine.dispose()


def _first_line(error: Exception) -> str:
    return str(getattr(error, "orig", None) or error).strip().splitlines()[0]
