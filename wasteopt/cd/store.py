"""The manifest store: C&D sites, 电子联单 (manifests), truck GPS fixes and truck capacities in one database.

Embedded by default in a DuckDB file: a columnar engine that loads and scans 10⁸ GPS fixes on a laptop
without a server. A SQLAlchemy URL (``postgresql://…``) puts the same tables in PostgreSQL for many users;
both go through one SQLAlchemy engine and the same SQL, only the bulk copy differs.

Loading is resumable and idempotent: a file is known by its SHA-256; each block of rows commits together
with the file's progress and its rejected rows, so a kill loses nothing already reported loaded, a rerun
resumes after the last committed line, and a file loaded in full is not read again. Manifests, sites and
trucks are keyed (a manifest id already stored adds nothing; a site or truck row replaces the stored one);
GPS fixes repeated across files are removed when read.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, TYPE_CHECKING

import numpy as np
import pandas as pd

from wasteopt.cd.database import exact_sum, store_url
from wasteopt.cd.formats import FORMATS, GPS, MANIFESTS, SITES, TRUCKS, read_blocks
from wasteopt.config.errors import DataError
from wasteopt.config.userfiles import shown

if TYPE_CHECKING:  # for annotations only
    from wasteopt.cd.formats import Block, TableFormat

_SQL_TYPES = {"number": "DOUBLE PRECISION", "lon": "DOUBLE PRECISION", "lat": "DOUBLE PRECISION",
              "time": "TIMESTAMP", "bool": "BOOLEAN"}
_LOADS = """CREATE TABLE IF NOT EXISTS loads (
    sha256 VARCHAR NOT NULL, kind VARCHAR NOT NULL, path VARCHAR NOT NULL, lines_done BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL, rows_rejected BIGINT NOT NULL, complete BOOLEAN NOT NULL,
    PRIMARY KEY (sha256, kind))"""
_REJECTS = """CREATE TABLE IF NOT EXISTS rejects (
    sha256 VARCHAR NOT NULL, kind VARCHAR NOT NULL, line BIGINT NOT NULL, reason VARCHAR NOT NULL, text VARCHAR)"""
INGEST_MEMORY = "512MB"
# PostgreSQL reads a month by these block-range (BRIN) indexes, summarised after each file: manifests and fixes
# arrive about in time order, so each range of 32 pages spans a short time; a B-tree on 10⁸ fixes doubled the
# server's work per COPY. DuckDB
# skips row groups by their min/max instead (an ART index would cost GB of memory and slow every load)
_BRIN_INDEXES = {"manifests": "manifests_depart_brin", "gps": "gps_time_brin"}
_POSTGRES_INDEXES = (
    "CREATE INDEX IF NOT EXISTS manifests_depart_brin ON manifests USING brin (depart_time) WITH (pages_per_range = 32)",
    "CREATE INDEX IF NOT EXISTS gps_time_brin ON gps USING brin (time) WITH (pages_per_range = 32)")


def _create_table(fmt: TableFormat, postgres: bool) -> str:
    columns = [f"{c.name} {_SQL_TYPES.get(c.kind, 'VARCHAR')}{' NOT NULL' if c.required else ''}" for c in fmt.columns]
    # DuckDB keeps manifests unique by the anti-join of _insert: an ART index on 10⁷ ids would add 400 MB to the
    # file and triple the insert time
    keyed = fmt.key and (postgres or fmt is not MANIFESTS)
    key = f", PRIMARY KEY ({', '.join(fmt.key)})" if keyed else ""
    return f"CREATE TABLE IF NOT EXISTS {fmt.name} ({', '.join(columns)}{key})"


def _insert(fmt: TableFormat, stage: str, postgres: bool) -> str:
    names = ", ".join(fmt.names)
    sql = f"INSERT INTO {fmt.name} ({names}) SELECT {names} FROM {stage}"
    if fmt is MANIFESTS and not postgres:  # a block's ids are unique (read_blocks rejects repeats)
        key = fmt.key[0]
        return sql + f" AS s WHERE NOT EXISTS (SELECT 1 FROM {fmt.name} AS m WHERE m.{key} = s.{key})"
    if fmt is MANIFESTS:
        return sql + f" ON CONFLICT ({', '.join(fmt.key)}) DO NOTHING"
    if fmt.key:  # registers: the newest row of a site or truck wins
        updates = ", ".join(f"{n} = EXCLUDED.{n}" for n in fmt.names if n not in fmt.key)
        return sql + f" ON CONFLICT ({', '.join(fmt.key)}) DO UPDATE SET {updates}"
    return sql


@dataclass(frozen=True)
class LoadResult:
    """What loading one file did: rows added, rows rejected (all of the file's, from earlier runs too)."""

    kind: str
    path: str
    sha256: str
    loaded: int
    rejected: int
    already_loaded: bool  # the whole file was loaded before: nothing read, nothing added


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(8 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class ManifestStore:
    """One database of C&D sites, manifests, GPS fixes and trucks (DuckDB file or PostgreSQL URL)."""

    def __init__(self, store: str | Path, create: bool = True):
        """Open ``store``; a DuckDB file that does not exist is created, or refused unless ``create``."""
        import sqlalchemy as sa

        self.location = str(store)
        if not create and "://" not in self.location and not Path(self.location).expanduser().is_file():
            raise DataError(f"--store {self._shown()}: no such store (load one with wasteopt cd ingest)")
        url = store_url(self.location)
        try:
            self.engine = sa.create_engine(url)
            with self.engine.begin() as conn:
                for fmt in FORMATS.values():
                    conn.exec_driver_sql(_create_table(fmt, self.is_postgres))
                for sql in (_LOADS, _REJECTS, *(_POSTGRES_INDEXES if self.is_postgres else ())):
                    conn.exec_driver_sql(sql)
        except (sa.exc.SQLAlchemyError, OSError) as error:
            raise DataError(f"--store {self._shown()}: cannot open the store: {_first_line(error)}") from None

    def _shown(self) -> str:
        return self.location if "://" in self.location else shown(self.location)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def exact_sum(self, column: str) -> str:
        """SQL for the correctly rounded sum of a DOUBLE column (:func:`wasteopt.cd.database.exact_sum`)."""
        return exact_sum(column, self.is_postgres)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> ManifestStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def load(self, kind: str, path: str | Path, progress: Callable[[LoadResult], None] | None = None) -> LoadResult:
        """Load one ``kind`` file (sites, manifests, gps, trucks); ``progress`` hears of each committed block."""
        import sqlalchemy as sa

        fmt = FORMATS[kind]
        if not Path(path).is_file():
            raise DataError(f"--{kind} {shown(path)}: no such file")
        sha = file_sha256(path)
        with self.engine.begin() as conn:
            row = conn.execute(sa.text("SELECT lines_done, complete FROM loads WHERE sha256 = :s AND kind = :k"),
                               {"s": sha, "k": kind}).first()
            if row is None:
                conn.execute(sa.text("INSERT INTO loads VALUES (:s, :k, :p, 1, 0, 0, FALSE)"),
                             {"s": sha, "k": kind, "p": str(path)})
        if row is not None and row.complete:
            return LoadResult(kind, str(path), sha, 0, self._rejected(sha, kind), True)
        with self._ingest_memory():
            loaded = self._load_blocks(fmt, path, sha, row.lines_done if row else 1, progress)
        with self.engine.begin() as conn:
            conn.execute(sa.text("UPDATE loads SET complete = TRUE WHERE sha256 = :s AND kind = :k"), {"s": sha, "k": kind})
            if self.is_postgres and kind in _BRIN_INDEXES:  # a range not summarised matches every query
                conn.exec_driver_sql(f"SELECT brin_summarize_new_values('{_BRIN_INDEXES[kind]}')")
        return LoadResult(kind, str(path), sha, loaded, self._rejected(sha, kind), False)

    @contextlib.contextmanager
    def _ingest_memory(self) -> Iterator[None]:
        """DuckDB's buffer pool held to INGEST_MEMORY while loading: by default (80 % of RAM) it keeps every block
        it wrote, the whole table (10 bytes a GPS fix), cached until closed."""
        if self.is_postgres:
            yield
            return
        with self.engine.begin() as conn:
            conn.exec_driver_sql(f"SET memory_limit = '{INGEST_MEMORY}'")
        try:
            yield
        finally:
            with self.engine.begin() as conn:
                conn.exec_driver_sql("RESET memory_limit")

    def _load_blocks(self, fmt: TableFormat, path, sha: str, start_line: int,
                     progress: Callable[[LoadResult], None] | None) -> int:
        """Rows added from ``start_line`` on, each block committed with the file's progress and its rejects."""
        import sqlalchemy as sa

        kind, loaded = fmt.name, 0
        for block in _read_ahead(read_blocks(path, fmt, start_line=start_line)):
            with self.engine.begin() as conn:
                added = self._insert_rows(conn, fmt, block.rows[fmt.names]) if len(block.rows) else 0
                if len(block.rejects):
                    self._bulk(conn, "rejects", block.rejects.assign(sha256=sha, kind=kind)[
                        ["sha256", "kind", "line", "reason", "text"]])
                conn.execute(sa.text("UPDATE loads SET lines_done = :l, rows_loaded = rows_loaded + :a, "
                                     "rows_rejected = rows_rejected + :r WHERE sha256 = :s AND kind = :k"),
                             {"l": block.last_line, "a": added, "r": len(block.rejects), "s": sha, "k": kind})
            loaded += added
            if progress:
                progress(LoadResult(kind, str(path), sha, loaded, self._rejected(sha, kind), False))
        return loaded

    def _rejected(self, sha: str, kind: str) -> int:
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT rows_rejected FROM loads WHERE sha256 = :s AND kind = :k"),
                                    {"s": sha, "k": kind}).scalar() or 0)

    def rejects(self, loads: list[LoadResult]) -> pd.DataFrame:
        """The rejected rows of the files of ``loads``: file, line, reason, text."""
        frames = []
        for load in loads:
            frame = self.query("SELECT line, reason, text FROM rejects WHERE sha256 = :s AND kind = :k ORDER BY line",
                               s=load.sha256, k=load.kind)
            frames.append(frame.assign(file=load.path))
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["file", "line", "reason", "text"])
        return table[["file", "line", "reason", "text"]]

    def _insert_rows(self, conn, fmt: TableFormat, rows: pd.DataFrame) -> int:
        stage = f"stage_{fmt.name}"
        if self.is_postgres and not fmt.key:  # nothing to check: copy straight in
            self._copy(conn, fmt.name, rows)
            return len(rows)
        if self.is_postgres:
            conn.exec_driver_sql(f"CREATE TEMP TABLE {stage} (LIKE {fmt.name}) ON COMMIT DROP")
            self._copy(conn, stage, rows)
        else:
            conn.connection.driver_connection.register(stage, rows)
        try:
            return max(conn.exec_driver_sql(_insert(fmt, stage, self.is_postgres)).rowcount, 0)
        finally:
            if not self.is_postgres:
                conn.connection.driver_connection.unregister(stage)

    def _bulk(self, conn, table: str, rows: pd.DataFrame) -> None:
        if self.is_postgres:
            self._copy(conn, table, rows)
        else:
            raw = conn.connection.driver_connection
            raw.register("stage_bulk", rows)
            conn.exec_driver_sql(f"INSERT INTO {table} SELECT * FROM stage_bulk")
            raw.unregister("stage_bulk")

    @staticmethod
    def _copy(conn, table: str, rows: pd.DataFrame) -> None:
        """COPY the rows in: binary when no value is null (:func:`binary_copy`), else as CSV written by Arrow (a tenth
        of pandas' time): nulls unquoted empty (NULL to COPY), text always quoted (never empty: blanks are null)."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        table_columns = f"{table} ({', '.join(rows.columns)})"
        cursor = conn.connection.driver_connection.cursor()
        data = binary_copy(rows)
        if data is not None:
            with cursor.copy(f"COPY {table_columns} FROM STDIN WITH (FORMAT binary)") as copy:
                copy.write(data)
            return
        buffer = io.BytesIO()
        pacsv.write_csv(pa.Table.from_pandas(rows, preserve_index=False), buffer,
                        write_options=pacsv.WriteOptions(include_header=False))
        with cursor.copy(f"COPY {table_columns} FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(buffer.getbuffer())

    def query(self, sql: str, **params) -> pd.DataFrame:
        """A read query's rows as a DataFrame (SQLAlchemy ``:name`` parameters)."""
        with self.session() as query:
            return query(sql, **params)

    @contextlib.contextmanager
    def session(self) -> Iterator[Callable[..., pd.DataFrame | None]]:
        """A query function bound to one connection (temporary tables live as long as it); rolled back at the end."""
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            def query(sql: str, **params) -> pd.DataFrame | None:
                result = conn.execute(sa.text(sql), params)
                if not result.returns_rows:
                    return None
                # the driver's own rows: SQLAlchemy's Row objects cost pandas a failed attribute lookup per row
                if not self.is_postgres:
                    return result.cursor.fetch_df()  # DuckDB: columnar, straight to NumPy
                return pd.DataFrame(result.cursor.fetchall(), columns=list(result.keys()))

            yield query

    def counts(self) -> dict[str, int]:
        """Rows per table (GPS fixes as stored, repeats included)."""
        return {name: int(self.query(f"SELECT COUNT(*) AS n FROM {name}")["n"].iloc[0])
                for name in (SITES.name, MANIFESTS.name, GPS.name, TRUCKS.name)}


_PG_EPOCH_US = 946_684_800_000_000  # PostgreSQL counts timestamps in µs from 2000-01-01
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length


def binary_copy(rows: pd.DataFrame) -> bytes | None:
    """The rows in PostgreSQL's binary COPY format (text, timestamp, float, bigint, boolean columns), or None when a
    value is null: the server then converts no text, half its CPU a GPS fix. A row is its field count, then each
    field's 4-byte length and big-endian bytes: a NumPy record for each set of text lengths (one for GPS fixes)."""
    import pyarrow as pa

    if rows.isna().to_numpy().any():
        return None
    values, formats, texts = [], [], []
    for name in rows.columns:
        column = rows[name]
        if pd.api.types.is_bool_dtype(column.dtype):
            values.append(column.to_numpy(dtype=np.uint8)), formats.append("u1")
        elif pd.api.types.is_datetime64_dtype(column.dtype):
            values.append(column.to_numpy().astype("datetime64[us]").astype(np.int64) - _PG_EPOCH_US)
            formats.append(">i8")
        elif pd.api.types.is_float_dtype(column.dtype):
            values.append(column.to_numpy(dtype=np.float64)), formats.append(">f8")
        elif pd.api.types.is_integer_dtype(column.dtype):  # into BIGINT columns
            values.append(column.to_numpy(dtype=np.int64)), formats.append(">i8")
        else:
            table = pa.Table.from_pandas(rows[[name]], preserve_index=False)  # Arrow strings as they are, no copy
            text = table.column(0).combine_chunks().cast(pa.large_string())
            offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset:text.offset + len(rows) + 1]
            values.append((np.frombuffer(text.buffers()[2], dtype=np.uint8), offsets)), formats.append(None)
            texts.append(np.diff(offsets))
    chunks = [_BINARY_HEADER]
    lengths = np.column_stack(texts) if texts else np.zeros((len(rows), 0), dtype=np.int64)
    uniform = len(rows) and (lengths == lengths[0]).all()
    shapes, group = (lengths[:1], None) if uniform else np.unique(lengths, axis=0, return_inverse=True)
    for g, shape in enumerate(shapes):
        at = np.arange(len(rows)) if uniform else np.flatnonzero(group.ravel() == g)
        widths = iter(shape)
        fields = [(f, fmt or f"S{next(widths)}") for f, fmt in enumerate(formats)]
        record = np.empty(len(at), dtype=[("count", ">i2")] + [x for f, fmt in fields
                                                                 for x in ((f"n{f}", ">i4"), (f"v{f}", fmt))])
        record["count"] = len(fields)
        for (f, fmt), value in zip(fields, values):
            width = np.dtype(fmt).itemsize
            record[f"n{f}"] = width
            if isinstance(value, tuple):  # text: the bytes of each value, all of one width in this set
                data, offsets = value
                record[f"v{f}"] = data[offsets[at][:, None] + np.arange(width)].view(fmt).ravel() if width else b""
            else:
                record[f"v{f}"] = value[at]
        chunks.append(record.tobytes())
    chunks.append(b"\xff\xff")  # the trailer: a field count of -1
    return b"".join(chunks)


def _read_ahead(blocks: Iterator[Block]) -> Iterator[Block]:
    """The blocks in order, the next one read and checked in a thread while the caller stores this one: Arrow,
    NumPy and the database release the GIL, so parsing and inserting share the cores."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(next, blocks, None)
        while (block := pending.result()) is not None:
            pending = pool.submit(next, blocks, None)
            yield block


def _first_line(error: Exception) -> str:
    return str(getattr(error, "orig", None) or error).strip().splitlines()[0]
