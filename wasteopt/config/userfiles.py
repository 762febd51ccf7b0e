"""Input files are vetted before a byte is read: a regular file (not a FIFO, device, socket or
folder), no larger than its kind's cap, with a name the system can resolve. Every refusal is one
:class:`~wasteopt.config.errors.DataError` (or the error class the caller names) naming the file.

``/dev/zero`` as a scenario or a FIFO as an OD matrix would otherwise be read until memory runs out
or block for ever; a symbolic-link loop, a NUL byte or an over-long name would raise an ``OSError``
or ``ValueError`` deep inside pandas or GDAL.
"""
from __future__ import annotations

import errno
import os
import stat
import unicodedata
from pathlib import Path

from wasteopt.config.errors import DataError

MB = 1_000_000
MAX_YAML_BYTES = 1 * MB  # a scenario is a few kB
MAX_TABLE_BYTES = 200 * MB  # site lists, seeds, fixed plans, village points: township-scale tables are < 10 MB
MAX_GEODATA_BYTES = 500 * MB  # boundaries and exclusion-zone polygons (GeoJSON / GeoPackage)
MAX_OD_BYTES = 2_000 * MB  # road-distance matrices: 2,000 nodes × 2,000 sites ≈ 4 M rows ≈ 150 MB as CSV
MAX_OSM_BYTES = 20_000 * MB  # OpenStreetMap extracts: China as .osm.pbf is ~1.5 GB, as XML ~20 times more
MAX_NAME_SHOWN = 120  # characters of a path shown in a message


def printable(text) -> str:
    """``text`` safe for a terminal line: control and format characters (ESC, BEL, NUL, newline, bidi overrides)
    shown as escapes such as ``\\x1b``, so user text can neither set the title, clear the screen nor break the line;
    汉字 and other printable characters stay."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or unicodedata.category(c) == "Zs" else
                   c.encode("unicode_escape", "backslashreplace").decode("ascii") for c in text)


def shown(path) -> str:
    """A path for a one-line message: control characters escaped, over-long names shortened."""
    text = printable(os.fsdecode(path) if isinstance(path, (bytes, os.PathLike)) else str(path))
    if len(text) > MAX_NAME_SHOWN:
        text = f"{text[:MAX_NAME_SHOWN // 2]}…{text[-MAX_NAME_SHOWN // 2:]} ({len(text)} characters)"
    return text


_OS_REASONS = {
    errno.ELOOP: "symbolic link loop",
    errno.ENAMETOOLONG: "file name too long",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EACCES: "permission denied",
}


def resolved(path) -> Path:
    """The absolute path with symbolic links resolved as far as they go; unlike ``Path.resolve`` it does not
    raise on a link loop or a NUL byte (:func:`checked_file` reports those when the file is read)."""
    try:
        return Path(os.path.realpath(path))
    except ValueError:
        return Path(path)


def absolute(path) -> Path:
    """The absolute, normalised path (``..`` removed) without following links."""
    return Path(os.path.abspath(path))


def checked_file(path, max_bytes: int, what: str = "file", error: type[Exception] = DataError) -> Path:
    """``path`` as a Path once it is known to be a readable regular file of at most ``max_bytes``."""
    text = os.fspath(path)
    if "\0" in str(text):
        raise error(f"{shown(text)}: the {what} name contains a NUL byte")
    try:
        info = os.stat(text)
    except FileNotFoundError:
        raise error(f"{shown(text)}: {what} not found") from None
    except OSError as failure:
        reason = _OS_REASONS.get(failure.errno, failure.strerror or type(failure).__name__)
        raise error(f"{shown(text)}: cannot read the {what}: {reason}") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{shown(text)}: the {what} is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{shown(text)}: the {what} is not a regular file (a device, FIFO or socket); give a saved file")
    if info.st_size > max_bytes:
        raise error(f"{shown(text)}: the {what} is {info.st_size / MB:,.1f} MB, more than the {max_bytes / MB:,.0f} MB "
                    "allowed")
    if not os.access(text, os.R_OK):
        raise error(f"{shown(text)}: cannot read the {what}: permission denied")
    return Path(text)


def read_capped(path, max_bytes: int, what: str = "file", error: type[Exception] = DataError) -> bytes:
    """The bytes of a :func:`checked_file`, never more than ``max_bytes`` even if it grows while being read."""
    checked = checked_file(path, max_bytes, what, error)
    try:
        with open(checked, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as failure:
        raise error(f"{shown(checked)}: cannot read the {what}: {failure.strerror}") from None
    if len(data) > max_bytes:
        raise error(f"{shown(checked)}: the {what} is more than the {max_bytes / MB:,.0f} MB allowed")
    return data
