"""Atomic file writers: GeoPackage, GeoJSON, CSV, XLSX, text and JSON, with spreadsheet cells made inert.

A file is first written next to its target under a temporary name, flushed to disk and
then renamed over the target (``os.replace``), so a crash leaves the old file or the new
one, never half of one. A plan's files are laid out in its run folder by
:mod:`wasteopt.runs.folder.plan_files`.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyogrio.errors

from wasteopt.config.errors import OutputError
from wasteopt.config.userfiles import shown


# What a writer raises when the disk is full, a file-size limit (ulimit -f) is hit or the folder is refused:
# OSError (Python, openpyxl, Arrow) and GDAL's errors as pyogrio raises them (RuntimeError subclasses).
WRITE_ERRORS = (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError)


@contextmanager
def atomic_path(target: str | Path, suffix: str = ""):
    """Yield a temporary path beside ``target``; on success it replaces ``target`` in one rename. A write that
    fails (disk full, file too large …) is one :class:`OutputError` naming ``target`` and the cause; the
    temporary file is removed and ``target`` stays as it was."""
    target = Path(target)
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or target.suffix, dir=target.parent)
        os.close(fd)
        os.unlink(tmp)  # some writers (GDAL) refuse to write over an existing empty file
        yield Path(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except WRITE_ERRORS as error:
        raise OutputError(f"{shown(target)}: cannot write the file ({_write_cause(error, target.parent)})") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def _write_cause(error: Exception, folder: Path) -> str:
    """Why a write failed, in words: the system's reason, else (GDAL says only that a feature was not added)
    a full disk or a file-size limit when one is the case, else GDAL's first words."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    with contextlib.suppress(OSError):
        if shutil.disk_usage(folder).free < 1_000_000:
            return "No space left on device"
    size_limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if size_limit != resource.RLIM_INFINITY:
        return f"File too large: the file size limit (ulimit -f) is {size_limit:,} bytes"
    return " ".join(str(error).split())[:160] or type(error).__name__


def write_text(target: str | Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes(target: str | Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


# Spreadsheet formula injection (OWASP "CSV injection"): a text cell starting with one of these is run
# as a formula by Excel/LibreOffice (``=cmd|' /C calc'!A0``), and openpyxl stores it as a live formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


# Control characters XML (so XLSX) cannot hold; tab, LF and CR are allowed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value):
    """``value`` made inert for a spreadsheet: text starting with ``= + - @`` tab or CR gets a leading
    apostrophe (shown, never evaluated), control characters that XLSX cannot store become U+FFFD;
    numbers, and text that is a plain number such as ``-0.13``, stay."""
    if not isinstance(value, str):
        return value
    if _CONTROL.search(value):
        value = _CONTROL.sub("\ufffd", value)
    if value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell, column name and index label passed through :func:`safe_cell` (a copy
    only if something changed); numeric columns are left as they are, so numbers are written as numbers."""
    changed: dict = {}
    for position, column in enumerate(frame.columns):
        series = frame.iloc[:, position]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            values = series.to_numpy(dtype=object)
            safe = [safe_cell(value) for value in values]
            if any(a is not b for a, b in zip(safe, values)):
                changed[position] = safe
    columns = [safe_cell(c) for c in frame.columns]
    index = frame.index
    if index.dtype == object or pd.api.types.is_string_dtype(index.dtype):
        index = index.map(lambda v: tuple(map(safe_cell, v)) if isinstance(v, tuple) else safe_cell(v))
    if not changed and columns == list(frame.columns) and index.equals(frame.index):
        return frame
    safe = frame.copy()
    for position, values in changed.items():
        safe.isetitem(position, pd.Series(values, index=frame.index, dtype=object))
    safe.columns, safe.index = columns, index
    return safe


def csv_bytes(frame: pd.DataFrame, index: bool = False) -> bytes:
    """A frame as CSV bytes for a download, made safe like :func:`write_csv`."""
    return safe_frame(frame).to_csv(index=index).encode("utf-8-sig")


def write_csv(target: str | Path, frame: pd.DataFrame, index: bool = False) -> None:
    """UTF-8 with a byte-order mark: Excel (which planners open CSVs in) then shows 汉字 instead of
    mojibake; pandas, QGIS and GDAL skip the mark. Text cells are made inert (:func:`safe_frame`)."""
    with atomic_path(target) as tmp:
        safe_frame(frame).to_csv(tmp, index=index, encoding="utf-8-sig")


def write_json(target: str | Path, data) -> None:
    write_text(target, json.dumps(data, ensure_ascii=False, indent=2, default=_json_default) + "\n")


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _description(text: str | None) -> dict:
    return {"DESCRIPTION": text} if text else {}


def write_geopackage(target: str | Path, layers: dict, descriptions: dict[str, str] | None = None) -> None:
    """All layers into one GeoPackage (each with its description, if given), written to a temporary file and
    renamed."""
    with atomic_path(target) as tmp:
        for name, gdf in layers.items():
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio",
                        layer_options=_description((descriptions or {}).get(name)))


def write_geojson(target: str | Path, gdf, description: str | None = None) -> None:
    """One layer as RFC 7946 GeoJSON (WGS84 lon/lat, no CRS member), for tools that take no GeoPackage; its
    ``name`` member is the target's stem (not the temporary file's)."""
    with atomic_path(target) as tmp:
        gdf.to_crs(4326).to_file(tmp, driver="GeoJSON", engine="pyogrio", layer=Path(target).stem,
                                 layer_options={"RFC7946": "YES", **_description(description)})


def write_xlsx(target: str | Path, sheets: dict[str, pd.DataFrame], lay_out=None) -> None:
    """One sheet per table; text cells are made inert (:func:`safe_frame`), numbers stay numbers; ``lay_out(sheet,
    frame)`` formats each sheet (the plan and the report pass :func:`~wasteopt.reporting.workbook.lay_out_sheet`)."""
    with atomic_path(target) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, frame in sheets.items():
                safe = safe_frame(frame)
                safe.to_excel(writer, sheet_name=name[:31], index=False)
                if lay_out is not None:
                    lay_out(writer.sheets[name[:31]], safe)
