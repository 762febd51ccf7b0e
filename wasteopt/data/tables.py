"""Checked CSV reading: a table read as text (UTF-8 or GB18030), validated column by column, every problem
of a file raised together as one :class:`~wasteopt.config.errors.DataError` naming the file and the 1-based
data rows."""
from __future__ import annotations

import collections
from pathlib import Path

import numpy as np
import pandas as pd

from wasteopt.config.errors import DataError
from wasteopt.config.userfiles import MAX_TABLE_BYTES, checked_file, shown


LON_RANGE = (73.0, 136.0)  # deg E, a box around China: catches swapped or missing coordinates
LAT_RANGE = (18.0, 54.0)  # deg N
MAX_TABLE_NUMBER = 1e9  # no count, capacity or population of a county-level table comes near: a typo
MAX_PROBLEMS_SHOWN = 50  # keeps one error message readable when a whole file is wrong
MAX_COLUMNS = 500  # the widest table (a plan's facilities) has < 30 columns; a wider header is not ours
MAX_NAME_CHARS = 200  # characters of a name cell (name_zh, name_en …): the longest real plant name has ~40
CSV_ENCODINGS = ("utf-8", "gb18030")  # UTF-8 (a BOM is skipped), else what Excel saves on Chinese Windows


def read_table(path: Path, allow_empty: bool = False) -> pd.DataFrame:
    """Read a CSV with every column as text, in UTF-8 or else GB18030 (GBK); :class:`DataError` if it is
    missing, unreadable, not a regular file, too large, wider than :data:`MAX_COLUMNS` or (unless
    ``allow_empty``) without data rows."""
    path = checked_file(path, MAX_TABLE_BYTES, "CSV file")
    _check_header_width(path)
    for encoding in CSV_ENCODINGS:
        try:
            df = pd.read_csv(path, dtype=str, encoding=encoding)
            break
        except FileNotFoundError:
            raise DataError(f"{path}: file not found") from None
        except pd.errors.EmptyDataError:
            raise DataError(f"{path}: file is empty") from None
        except UnicodeDecodeError as error:
            failure = error
        except (OSError, pd.errors.ParserError) as error:
            raise DataError(f"{path}: cannot read as CSV: {error}") from None
    else:
        raise DataError(f"{path}: cannot read: neither UTF-8 nor GBK text ({failure.reason} at byte {failure.start}); "
                        "save it as 'CSV UTF-8'") from None
    if df.empty and not (allow_empty and len(df.columns)):
        raise DataError(f"{path}: file has a header but no data rows")
    df.columns = [str(c).strip() for c in df.columns]
    repeated = sorted(name for name, count in collections.Counter(df.columns).items() if count > 1)
    if repeated:  # a second 'lon' column would make every check ambiguous
        raise DataError(f"{path}: column(s) {', '.join(repeated)} appear more than once in the header")
    return df


def _check_header_width(path: Path) -> None:
    """Refuse a header of more than :data:`MAX_COLUMNS` fields before pandas parses it (10⁶ columns take minutes)."""
    with open(path, "rb") as handle:
        header = handle.readline(64 * MAX_COLUMNS)
    for separator in (b",", ",".encode("utf-16-le")):  # UTF-16 text has NUL bytes between the commas' bytes
        if header.count(separator) >= MAX_COLUMNS:
            raise DataError(f"{shown(path)}: the header has more than {MAX_COLUMNS:,} columns; "
                            "is this the right file?")


def row_label(i: int) -> str:
    """How a message names data row ``i`` (0-based): 1-based, header not counted."""
    return f"row {i + 1}"


def validate_table(df: pd.DataFrame, *, required: tuple[str, ...] | list[str], id_column: str | None = None,
                   nonnegative: tuple[str, ...] = (), lonlat: tuple[str, str] | None = None,
                   references: dict[str, set[str]] | None = None, integer: tuple[str, ...] = ()) -> list[str]:
    """Problems found in a text table (as read by :func:`read_table`); empty if it is fine.

    ``nonnegative`` columns must be finite numbers in [0, 1e9] (``integer`` ones also whole); ``lonlat`` = (lon, lat) column names that must
    lie inside China; ``references`` maps a column to the ids it may take. Rows are 1-based data rows.
    """
    missing = [c for c in required if c not in df.columns]
    problems = [f"missing column(s): {', '.join(missing)}"] if missing else []
    present = set(df.columns)

    if id_column in present:
        ids = df[id_column].str.strip()
        for i in np.flatnonzero(ids.isna() | (ids == "")):
            problems.append(f"{row_label(i)}: {id_column} is empty")
        first_row: dict[str, int] = {}
        for i, value in enumerate(ids):
            if isinstance(value, str) and value:
                if value in first_row:
                    problems.append(f"{row_label(i)}: duplicate {id_column} '{value}' (first in {row_label(first_row[value])})")
                else:
                    first_row[value] = i

    for column in (c for c in nonnegative if c in present):
        values = pd.to_numeric(df[column], errors="coerce")
        finite = values.to_numpy(dtype=float)
        for i in np.flatnonzero(values.isna().to_numpy()):
            problems.append(f"{row_label(i)}: {column} is missing or not a number ({df[column].iat[i]!r})")
        for i in np.flatnonzero((values < 0).to_numpy()):
            problems.append(f"{row_label(i)}: {column} is negative ({values.iat[i]:g})")
        for i in np.flatnonzero(np.isinf(values.to_numpy(dtype=float))):
            problems.append(f"{row_label(i)}: {column} is not a finite number ({df[column].iat[i]!r})")
        for i in np.flatnonzero(np.isfinite(finite) & (finite > MAX_TABLE_NUMBER)):
            problems.append(f"{row_label(i)}: {column} {df[column].iat[i]!r} is implausibly large (more than {MAX_TABLE_NUMBER:g})")
        if column in integer:  # counts (persons, furnaces) would otherwise be truncated silently
            for i in np.flatnonzero(np.isfinite(finite) & (finite != np.round(finite))):
                problems.append(f"{row_label(i)}: {column} must be a whole number ({df[column].iat[i]!r})")

    if lonlat and set(lonlat) <= present:
        lon = pd.to_numeric(df[lonlat[0]], errors="coerce").to_numpy()
        lat = pd.to_numeric(df[lonlat[1]], errors="coerce").to_numpy()
        # NaN compares False, so a missing coordinate is reported as outside China too.
        inside = (lon >= LON_RANGE[0]) & (lon <= LON_RANGE[1]) & (lat >= LAT_RANGE[0]) & (lat <= LAT_RANGE[1])
        for i in np.flatnonzero(~inside):
            problems.append(f"{row_label(i)}: {lonlat[0]},{lonlat[1]} = {df[lonlat[0]].iat[i]},{df[lonlat[1]].iat[i]} "
                            f"is missing or outside China (lon {LON_RANGE[0]:g}–{LON_RANGE[1]:g}, "
                            f"lat {LAT_RANGE[0]:g}–{LAT_RANGE[1]:g})")

    for column in (c for c in df.columns if str(c).startswith("name")):
        lengths = df[column].str.len().to_numpy(dtype=float, na_value=0.0)
        for i in np.flatnonzero(lengths > MAX_NAME_CHARS):
            problems.append(f"{row_label(i)}: {column} is {lengths[i]:,.0f} characters long, more than the "
                            f"{MAX_NAME_CHARS} a name may have")

    for column, allowed in (references or {}).items():
        if column in present:
            for i, value in enumerate(df[column]):
                if isinstance(value, str) and value.strip() and value.strip() not in allowed:
                    problems.append(f"{row_label(i)}: {column} '{value}' is not a county-level unit of the region")
    return problems


def raise_problems(file: Path | str, problems: list[str]) -> None:
    """Raise one :class:`DataError` listing every problem of ``file`` (the first 50 in full)."""
    if not problems:
        return
    listed = "; ".join(_clipped(problem) for problem in problems[:MAX_PROBLEMS_SHOWN])
    more = f"; … and {len(problems) - MAX_PROBLEMS_SHOWN} more" if len(problems) > MAX_PROBLEMS_SHOWN else ""
    raise DataError(f"{shown(file)}: {len(problems)} problem(s): {listed}{more}")


def _clipped(problem: str, most: int = 300) -> str:
    """One problem as a message shows it: at most ``most`` characters (a 10 MB cell is quoted in part)."""
    return problem if len(problem) <= most else f"{problem[:most - 1]}…"


def checked_table(path: Path, **rules) -> pd.DataFrame:
    """:func:`read_table` then :func:`validate_table` (same keyword rules); raise all problems at once."""
    df = read_table(path)
    raise_problems(path, validate_table(df, **rules))
    for column in rules.get("nonnegative", ()):
        df[column] = pd.to_numeric(df[column])
    for column in rules.get("lonlat") or ():
        df[column] = pd.to_numeric(df[column])
    if rules.get("id_column"):
        df[rules["id_column"]] = df[rules["id_column"]].str.strip()
    return df


# A plan's facilities table: a run folder's facilities.csv, and the same file (or a planner's
# shorter one) as ``policy.fixed_plants_file``. Its text columns; every other column holds numbers.
FACILITY_TEXT_COLUMNS = ("site_id", "name_zh", "name_en", "technology", "status", "adcode", "prefecture_adcode")


def read_plan_facilities(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    """A plan's facilities table indexed by site_id (see :func:`read_number_table`); site ids unique, module
    counts (new_modules) whole and ≥ 0, ``required`` columns besides site_id (what the caller reads)."""
    return read_number_table(path, required=("site_id", *required), text=FACILITY_TEXT_COLUMNS,
                             id_column="site_id", integer=("new_modules",))


def read_number_table(path: Path, *, required: tuple[str, ...], text: tuple[str, ...], id_column: str | None = None,
                      integer: tuple[str, ...] = (), allow_empty: bool = False) -> pd.DataFrame:
    """A table written by wasteopt (or shaped like one), checked like any user file: every column not in ``text``
    holds numbers (empty cells are NaN), ``integer`` ones whole and ≥ 0, ``id_column`` (the index, if given)
    unique. One :class:`DataError` lists every problem."""
    df = read_table(path, allow_empty=allow_empty)
    problems = validate_table(df, required=required, id_column=id_column, nonnegative=integer, integer=integer)
    for column in [c for c in df.columns if c not in text]:
        cells = df[column].str.strip()
        values = pd.to_numeric(cells, errors="coerce")
        for i in np.flatnonzero((values.isna() & cells.notna() & (cells != "")).to_numpy()):
            problems.append(f"{row_label(i)}: {column} is not a number ({_clipped(df[column].iat[i], 40)!r})")
        df[column] = values.astype(float)
    raise_problems(path, problems)
    present = [c for c in df.columns if c in text]
    df[present] = df[present].fillna("")
    if id_column is None:
        return df
    df[id_column] = df[id_column].str.strip()
    return df.set_index(id_column)
