"""The C&D file formats (sites, manifests, GPS, trucks) and their row checks.

A file is read in blocks (CSV in UTF-8 or GBK, or XLSX); each block comes back as the typed rows that
passed and the rows that did not, each with its line in the file and the reason. Times are ISO 8601
local (China Standard Time); a time with an offset is converted to it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from wasteopt.config.errors import DataError
from wasteopt.config.scenario.cd import CD_CATEGORY_DEFAULTS
from wasteopt.config.userfiles import shown


@dataclass(frozen=True)
class Category:
    """A C&D category of CJJ/T 134-2019 (建筑垃圾处理技术标准, §3): its key and names."""

    key: str
    name_zh: str
    name_en: str


CATEGORIES = (
    Category("spoil", "工程渣土", "spoil"),
    Category("slurry", "工程泥浆", "slurry"),
    Category("construction", "工程垃圾", "construction"),
    Category("demolition", "拆除垃圾", "demolition"),
    Category("decoration", "装修垃圾", "decoration"),
)
CATEGORY_BY_NAME = {name: c.key for c in CATEGORIES for name in (c.key, c.name_zh)}
# one source for the densities: the siting model's category defaults (their sources are in scenario.py)
DENSITY_T_PER_M3 = {c.key: CD_CATEGORY_DEFAULTS[c.key]["density_t_per_m3"] for c in CATEGORIES}
SITE_KINDS = ("yard", "recycling", "landfill", "backfill", "sorting")
TRUE, FALSE = ("true", "1", "yes", "是"), ("false", "0", "no", "否")
CHINA_LON, CHINA_LAT = (73.0, 136.0), (3.0, 54.0)
LOCAL_TZ = "Asia/Shanghai"
BLOCK_BYTES = 32 << 20  # a block of rows checked and committed together
# Arrow reads a CSV in pieces of this size and queues up to 32 of them ahead of the parser (its background
# reader's fixed depth): pieces of BLOCK_BYTES held 1 GB of a large file in memory
READ_BYTES = 1 << 20
REJECT_COLUMNS = ["line", "reason", "text"]
_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")
_WIDE = re.compile("[^\x00-\x7f\ufeff]")
_CJK = re.compile("[\u3000-\u9fff\uff00-\uffef]")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, number, time, adcode, category, site_kind, bool
    required: bool = True
    low: float | None = None  # numbers: the smallest allowed value (inclusive unless low_open)
    low_open: bool = False


@dataclass(frozen=True)
class TableFormat:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # one column or none: one row per key in a file and in the store

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _lonlat(prefix: str = "") -> tuple[Column, Column]:
    return Column(f"{prefix}lon", "lon"), Column(f"{prefix}lat", "lat")


SITES = TableFormat("sites", (
    Column("site_id", "text"), Column("name", "text"), Column("kind", "site_kind"), *_lonlat(),
    Column("adcode", "adcode"), Column("licensed", "bool"), Column("volume_m3", "number", False, 0),
    Column("capacity_tpd", "number", False, 0)), ("site_id",))
MANIFESTS = TableFormat("manifests", (
    Column("manifest_id", "text"), Column("project_id", "text"), Column("project_name", "text", False),
    Column("category", "category"), *_lonlat("origin_"), Column("origin_adcode", "adcode"),
    Column("truck_plate", "text"), Column("load_t", "number", True, 0, low_open=True),
    Column("depart_time", "time"), Column("destination_site_id", "text", False),
    Column("arrive_time", "time", False)), ("manifest_id",))
GPS = TableFormat("gps", (Column("truck_plate", "text"), Column("time", "time"), *_lonlat()), ())
TRUCKS = TableFormat("trucks", (Column("truck_plate", "text"), Column("capacity_t", "number", True, 0, low_open=True)),
                     ("truck_plate",))
FORMATS = {f.name: f for f in (SITES, MANIFESTS, GPS, TRUCKS)}


@dataclass(frozen=True)
class Block:
    """Rows of one block of a file: ``rows`` typed and checked (with ``line``); ``rejects`` with ``line``,
    ``reason`` and the row's ``text``."""

    rows: pd.DataFrame
    rejects: pd.DataFrame
    last_line: int  # the last line of the file this block covers


def detect_encoding(path: Path) -> str:
    """``utf-8`` or ``gb18030`` (GBK's superset): whichever reads the first MB as more Chinese text. Both may
    decode without error (GBK's 豫 is valid UTF-8 for 'ԥ'), so the count of CJK characters decides."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 20)

    def cjk_share(encoding: str) -> float:
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError as error:
            if error.start < len(head) - 3:  # not just a character cut at the end of the sample
                return -1.0
            text = head[:error.start].decode(encoding)
        wide = len(_WIDE.findall(text))
        return len(_CJK.findall(text)) / wide if wide else 1.0

    return "utf-8" if cjk_share("utf-8") >= cjk_share("gb18030") else "gb18030"


def read_blocks(path: str | Path, fmt: TableFormat, start_line: int = 1) -> Iterator[Block]:
    """The file's rows in blocks, checked against ``fmt``; lines up to ``start_line`` (the header is line 1)
    are skipped, so an interrupted load resumes where its last committed block ended."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{shown(path)}: no such file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        frames = [_read_xlsx(path, fmt)]
    else:
        frames = _read_csv(path, fmt)
    seen = _KeysSeen(fmt.key[0]) if fmt.key else None
    for raw, lines, wrong_width, last_line in frames:
        keep = lines > start_line
        raw, lines = raw[keep].reset_index(drop=True), lines[keep]
        wrong_width = wrong_width[wrong_width["line"] > start_line]
        blank = raw.isna().all(axis=1).to_numpy()
        raw, lines = raw[~blank].reset_index(drop=True), lines[~blank]
        rows, reasons = check_rows(raw, fmt)
        rows.insert(0, "line", lines)
        if seen is not None:
            repeated = seen.repeats(rows[fmt.key[0]], rows["line"].to_numpy())
            reasons = np.where(repeated != "", np.where(reasons == "", repeated, reasons + "; " + repeated), reasons)
        bad = reasons != ""
        text = raw[bad].fillna("").astype(str).agg(",".join, axis=1) if bad.any() else pd.Series(dtype=object)
        rejects = pd.DataFrame({"line": lines[bad], "reason": reasons[bad], "text": text.to_numpy()})
        rejects = pd.concat([df for df in (wrong_width, rejects) if len(df)] or [rejects], ignore_index=True)
        yield Block(rows[~bad].reset_index(drop=True), rejects.sort_values("line", kind="stable"), last_line)


class _KeysSeen:
    """The keys of a file's earlier lines as sorted 64-bit hashes with their first line: 16 bytes a key, so
    10⁷ manifest ids cost 160 MB, not the GB a set of strings would (a hash collision, odds ~10⁻⁶ at that
    size, would show as a reported repeat, never a silent loss)."""

    def __init__(self, key: str):
        self.key = key
        self.hashes = np.zeros(0, dtype=np.uint64)
        self.lines = np.zeros(0, dtype=np.int64)

    def repeats(self, keys: pd.Series, lines: np.ndarray) -> np.ndarray:
        """A reason for each row whose key an earlier line had ("" for the others); remembers the new keys."""
        hashes = pd.util.hash_pandas_object(keys.astype(object), index=False).to_numpy()
        at = np.minimum(np.searchsorted(self.hashes, hashes), max(len(self.hashes) - 1, 0))
        valid = keys.notna().to_numpy()  # an empty key is rejected as empty, not as a repeat
        before = valid & (self.hashes[at] == hashes) if len(self.hashes) else np.zeros(len(hashes), dtype=bool)
        first = np.where(before, self.lines[at] if len(self.lines) else 0, 0)
        block = pd.DataFrame({"h": hashes, "line": lines})
        first_here = block.groupby("h")["line"].transform("min").to_numpy()
        again = valid & ~before & (first_here != lines)
        first = np.where(again, first_here, first)
        reasons = np.full(len(keys), "", dtype=object)
        hit = before | again
        reasons[hit] = [f"{self.key} {k} repeats line {f}" for k, f in zip(keys[hit], first[hit])]
        new = valid & ~hit
        order = np.argsort(hashes[new], kind="stable")
        added_h, added_lines = hashes[new][order], lines[new][order]
        at = np.searchsorted(self.hashes, added_h)  # one copy of the stored arrays a block, no sort of them
        self.hashes, self.lines = np.insert(self.hashes, at, added_h), np.insert(self.lines, at, added_lines)
        return reasons


def _header_check(path: Path, names: list[str], fmt: TableFormat) -> None:
    missing = [n for n in fmt.names if n not in names]
    if missing:
        raise DataError(f"{shown(path)}: not a {fmt.name} file: missing column(s) {', '.join(missing)} "
                        f"(expected {','.join(fmt.names)})")


def _read_csv(path: Path, fmt: TableFormat):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    encoding = detect_encoding(path)
    with open(path, "rb") as handle:
        first = handle.readline()
    header = first.decode(encoding, errors="replace").lstrip("\ufeff").strip().split(",")
    header = [h.strip().strip('"') for h in header]
    _header_check(path, header, fmt)
    wrong: list[tuple[int, str, str]] = []
    skipped: list[int] = []

    def invalid(row) -> str:
        skipped.append(row.number)
        wrong.append((row.number, f"expected {row.expected_columns} fields, found {row.actual_columns}", row.text))
        return "skip"

    try:
        reader = pacsv.open_csv(
            # "utf8" is Arrow's native reading; any other name (even "utf-8") goes through a Python transcoder
            path, read_options=pacsv.ReadOptions(use_threads=False, block_size=min(READ_BYTES, BLOCK_BYTES),
                                                 encoding="utf8" if encoding == "utf-8" else encoding,
                                                 column_names=header, skip_rows=1),
            parse_options=pacsv.ParseOptions(invalid_row_handler=invalid, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header}, strings_can_be_null=True,
                                                 null_values=[""], include_columns=fmt.names))
        done, last = 0, 1
        for batch in _gathered(reader, BLOCK_BYTES):
            raw = pd.DataFrame({name: _trimmed(batch.column(name)) for name in fmt.names})
            offsets = np.array(skipped, dtype=np.int64) - np.arange(len(skipped))
            index = np.arange(done, done + len(raw), dtype=np.int64)
            lines = index + 2 + np.searchsorted(offsets, index + 2, side="right")
            done += len(raw)
            last = int(lines[-1]) if len(lines) else last
            # the reader may parse ahead: a wrong row after this block's last line belongs to the next block
            here = [w for w in wrong if w[0] <= last]
            wrong[:] = [w for w in wrong if w[0] > last]
            yield raw, lines, pd.DataFrame(here, columns=REJECT_COLUMNS), last
        if wrong:
            empty = pd.DataFrame({name: pd.Series(dtype=object) for name in fmt.names})
            yield empty, np.zeros(0, dtype=np.int64), pd.DataFrame(wrong, columns=REJECT_COLUMNS), max(w[0] for w in wrong)
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        raise DataError(f"{shown(path)}: cannot read as CSV ({encoding}): {error}") from None


def _gathered(reader, block_bytes: int):
    """The reader's record batches joined into tables of about ``block_bytes``."""
    import pyarrow as pa

    batches, size = [], 0
    for batch in reader:
        batches.append(batch)
        size += batch.nbytes
        if size >= block_bytes:
            yield pa.Table.from_batches(batches)
            batches, size = [], 0
    if batches:
        yield pa.Table.from_batches(batches)


def _trimmed(column) -> pd.Series:
    """An Arrow string column as pandas strings, blanks trimmed, empty → NaN."""
    import pyarrow.compute as pc

    trimmed = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.equal(trimmed, ""), None, trimmed).to_pandas(types_mapper=pd.ArrowDtype)


def _read_xlsx(path: Path, fmt: TableFormat):
    try:
        raw = pd.read_excel(path, dtype=str, engine="openpyxl")
    except Exception as error:  # openpyxl raises many kinds on a broken workbook
        raise DataError(f"{shown(path)}: cannot read the workbook: {error}") from None
    raw.columns = [str(c).strip() for c in raw.columns]
    _header_check(path, list(raw.columns), fmt)
    raw = raw[fmt.names].apply(lambda column: column.str.strip()).replace("", np.nan)
    lines = np.arange(2, len(raw) + 2, dtype=np.int64)
    return raw, lines, pd.DataFrame(columns=REJECT_COLUMNS), int(lines[-1]) if len(lines) else 1


def check_rows(raw: pd.DataFrame, fmt: TableFormat) -> tuple[pd.DataFrame, np.ndarray]:
    """Typed columns of ``raw`` (strings, NaN for empty) and a reason per row ("" when the row is good)."""
    reasons = np.full(len(raw), "", dtype=object)

    def flag(mask, text: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            reasons[mask] = np.where(reasons[mask] == "", text, reasons[mask] + "; " + text)

    out = {}
    for column in fmt.columns:
        text = raw[column.name]
        empty = text.isna().to_numpy()
        if column.required:
            flag(empty, f"{column.name} is empty")
        if column.kind in ("number", "lon", "lat"):
            value = _numbers(text)
            flag(~empty & ~np.isfinite(value), f"{column.name} is not a number")
            if column.kind in ("lon", "lat"):
                low, high = CHINA_LON if column.kind == "lon" else CHINA_LAT
                flag(np.isfinite(value) & ((value < low) | (value > high)),
                     f"{column.name} outside China ({low:g} to {high:g}°)")
            elif column.low is not None:
                below = value <= column.low if column.low_open else value < column.low
                flag(np.isfinite(value) & below, f"{column.name} must be {'>' if column.low_open else '≥'} {column.low:g}")
            out[column.name] = value
        elif column.kind == "time":
            value = _times(text)
            flag(~empty & value.isna().to_numpy(), f"{column.name} is not an ISO 8601 time")
            out[column.name] = value
        elif column.kind == "adcode":
            flag(~empty & ~text.str.fullmatch(r"\d{6}").fillna(False).to_numpy(dtype=bool),
                 f"{column.name} is not a 6-digit adcode")
            out[column.name] = text
        elif column.kind == "category":
            value = text.map(CATEGORY_BY_NAME)
            flag(~empty & value.isna().to_numpy(), "unknown category (工程渣土/工程泥浆/工程垃圾/拆除垃圾/装修垃圾 or "
                 "spoil/slurry/construction/demolition/decoration)")
            out[column.name] = value
        elif column.kind == "site_kind":
            value = text.str.lower()
            flag(~empty & ~value.isin(SITE_KINDS).to_numpy(), f"unknown kind (one of {'/'.join(SITE_KINDS)})")
            out[column.name] = value
        elif column.kind == "bool":
            lowered = text.str.lower()
            flag(~empty & ~lowered.isin(TRUE + FALSE).to_numpy(), f"{column.name} is not true/false")
            out[column.name] = lowered.isin(TRUE).to_numpy()
        else:
            out[column.name] = text
    rows = pd.DataFrame(out)
    if fmt is MANIFESTS:
        flag((rows["arrive_time"] < rows["depart_time"]).to_numpy(), "arrive_time before depart_time")
        flag(rows["arrive_time"].notna().to_numpy() & rows["destination_site_id"].isna().to_numpy(),
             "arrive_time without destination_site_id")
    return rows, reasons


def _numbers(text: pd.Series) -> np.ndarray:
    """Floats, NaN where empty or not a number: Arrow's parser, pandas only when some text is not a plain number."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        return pc.cast(pa.array(text, type=pa.string(), from_pandas=True), pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        return pd.to_numeric(text.astype(object), errors="coerce").to_numpy(dtype=float)


def _times(text: pd.Series) -> pd.Series:
    """:func:`parse_times`, with the common ``YYYY-MM-DDTHH:MM:SS`` parsed by Arrow first."""
    import pyarrow as pa
    import pyarrow.compute as pc

    strings = pa.array(text, type=pa.string(), from_pandas=True)
    try:  # a block of plain local times (YYYY-MM-DD[ T]HH:MM[:SS]), the usual case, in one cast
        cast = pc.cast(strings, pa.timestamp("s")).to_numpy(zero_copy_only=False)
        return pd.Series(cast, index=text.index).astype("datetime64[us]")
    except pa.ArrowInvalid:  # an offset, a fraction or not a time somewhere in the block
        pass
    parsed = pc.strptime(strings, format="%Y-%m-%dT%H:%M:%S", unit="s", error_is_null=True)
    times = pd.Series(parsed.to_numpy(zero_copy_only=False), index=text.index).astype("datetime64[us]")
    rest = pc.and_(parsed.is_null(), strings.is_valid()).to_numpy(zero_copy_only=False)
    if rest.any():
        times[rest] = parse_times(text[rest].astype(object))
    return times


def parse_times(text: pd.Series) -> pd.Series:
    """ISO 8601 strings → naive local times (NaT where not a time); a time with an offset is converted to
    China Standard Time."""
    naive = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    offset = text.str.contains(_OFFSET, na=False).to_numpy()
    if (~offset).any():
        naive[~offset] = pd.to_datetime(text[~offset], format="ISO8601", errors="coerce").astype("datetime64[us]")
    if offset.any():
        aware = pd.to_datetime(text[offset], format="ISO8601", errors="coerce", utc=True)
        naive[offset] = aware.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None).astype("datetime64[us]")
    return naive
