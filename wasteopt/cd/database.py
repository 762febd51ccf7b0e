"""A manifest store's database for reading: a DuckDB file or a PostgreSQL URL through one SQLAlchemy engine.

:mod:`wasteopt.cd.store` loads and keeps the tables; a plan that starts from what the store observed only reads
them, read-only (a DuckDB file is not written, nor created when missing).
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd

from wasteopt.config.errors import DataError


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
