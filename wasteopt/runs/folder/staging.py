"""Output folders written whole: guarded, built beside the target and swapped in.

``--out`` may name a new folder, an empty one, or one this tool marked as its own (the marker file ``.wasteopt``,
naming the kind of output and the run id); anything else is refused, ``--force`` included, so a user's files are
never replaced. A folder is built under a temporary name beside its target and then swapped in whole, under a
lock, so a crash leaves the old folder or the new one, never a mix, and two writers into one folder cannot both
pass the guard. Temporary folders a crash left behind are removed the next time the folder is written. Run
folders, route folders, sweeps and the C&D commands' folders all go through here.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Iterator

from wasteopt.config.errors import DataError, OutputError, RunExistsError, WasteoptError
from wasteopt.config.userfiles import read_capped, shown
from wasteopt.runs.folder.layout import OWNER_MARKER, RUN_MARKER

_TEMP, _OLD, _LOCK = ".wasteopt-tmp-", ".wasteopt-old-", ".wasteopt-lock"
_HOLDS = {"run": "a run", "routes": "routes", "sweep": "a sweep",  # kind → how a message names it
          "cd-rejects": "C&D rejected rows", "cd-reconcile": "a C&D reconciliation",
          "cd-generated": "generated C&D data"}


MAX_MARKER_BYTES = 10_000  # {"kind": …, "run_id": …}


def folder_owner(folder: Path) -> dict | None:
    """The marker's content; None when there is none or it is not a small JSON object in a regular file."""
    try:
        data = json.loads(read_capped(folder / OWNER_MARKER, MAX_MARKER_BYTES))
    except (DataError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _fsync_tree(folder: Path) -> None:
    for path in [*folder.rglob("*"), folder]:
        if path.is_file() or path.is_dir():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _plain_name(path: str | Path, option: str) -> None:
    """Refuse an output name with a control character (a newline or tab pasted in, an escape sequence)."""
    text = os.fspath(path)
    if not str(text).isprintable():
        raise OutputError(f"{option} {shown(text)}: the name contains a control character (newline, tab, escape "
                          "or NUL); choose a plain name")


def _target(path: str | Path) -> Path:
    """The absolute folder ``path`` names; the file system root, files and names with control characters are
    refused."""
    _plain_name(path, "--out")
    try:
        target = Path(os.path.abspath(Path(path).expanduser()))
        if target.is_symlink():
            target = target.resolve(strict=True)
        if target.exists() and not target.is_dir():
            raise OutputError(f"--out {path}: is a file, not a folder; choose a folder for the output")
    except (OSError, RuntimeError) as error:
        raise OutputError(f"--out {path}: cannot use this path ({getattr(error, 'strerror', None) or error})") from None
    if target.parent == target:
        raise OutputError(f"--out {path}: the file system root cannot be an output folder")
    return target


def check_output_folder(path: str | Path, kind: str, force: bool) -> Path:
    """Refuse ``path`` unless it is new, empty, or (with ``force``) a folder this tool wrote as a ``kind``."""
    target = _target(path)
    if not target.exists():
        return target
    try:
        entries = [entry.name for entry in os.scandir(target)]
    except OSError as error:
        raise OutputError(f"--out {path}: cannot read the folder ({error.strerror})") from None
    if not entries:
        return target
    owner = folder_owner(target)
    if owner is None and RUN_MARKER in entries:
        raise OutputError(f"--out {path}: the folder looks like a run of an older wasteopt, written before runs were "
                          f"marked (no {OWNER_MARKER}); delete it or choose another --out")
    if owner is None:
        raise OutputError(f"--out {path}: the folder is not empty and was not written by wasteopt (no {OWNER_MARKER}); "
                          "choose a new or empty folder (--force only replaces wasteopt's own output)")
    if owner.get("kind") != kind:
        raise OutputError(f"--out {path}: the folder holds {_HOLDS.get(owner.get('kind'), 'other output')} of wasteopt, "
                          f"not {_HOLDS[kind]}; choose another folder")
    if not force:
        raise RunExistsError(f"{path} already holds {_HOLDS[kind]}; pass --force to replace it, or choose another --out")
    return target


def check_output_file(path: str | Path, force: bool, *, option: str = "--out", example: str = "out.csv",
                      inputs: tuple = ()) -> Path:
    """The one guard for a single output file (``compare --out``, ``network build/circuity --out``): a new file, or
    with ``force`` an existing regular file; never a folder, a special file, the root or one of ``inputs``."""
    _plain_name(path, option)
    try:
        target = Path(os.path.abspath(Path(path).expanduser()))
        exists, is_dir, is_file = target.exists(), target.is_dir(), target.is_file()
        same = exists and any(os.path.exists(source) and os.path.samefile(target, source) for source in inputs)
    except (OSError, ValueError) as error:
        raise OutputError(f"{option} {shown(path)}: cannot use this path ({getattr(error, 'strerror', None) or error})"
                          ) from None
    if is_dir or target.parent == target:
        raise OutputError(f"{option} {shown(path)}: is a folder; give a file name, e.g. {example}")
    if exists and not is_file:
        raise OutputError(f"{option} {shown(path)}: is not a regular file; give a file name, e.g. {example}")
    if same:
        raise OutputError(f"{option} {shown(path)}: is one of this command's input files; choose another file")
    if exists and not force:
        raise RunExistsError(f"{shown(path)} exists; pass --force to overwrite it, or choose another {option}")
    return target


def claim_output_folder(path: str | Path, kind: str) -> Path:
    """A folder that collects ``kind`` output over several calls (a sweep resumes into its folder): new, empty
    or already marked as wasteopt's ``kind``; marked on first use. Anything else is refused."""
    target = check_output_folder(path, kind, force=True)
    try:
        target.mkdir(parents=True, exist_ok=True)
        if folder_owner(target) is None:
            (target / OWNER_MARKER).write_text(json.dumps({"kind": kind, "run_id": None}) + "\n", encoding="utf-8")
    except OSError as error:
        raise OutputError(f"{shown(path)}: cannot create the output folder ({error.strerror})") from None
    return target


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[None]:
    """An exclusive lock on ``target`` (a lock file beside it); refuse at once if another writer holds it."""
    lock_path = target.parent / f".{target.name}{_LOCK}"
    while True:
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise OutputError(f"{target}: cannot write beside this folder ({error.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputError(f"{target}: another wasteopt process is writing this folder; wait for it or choose "
                              "another --out") from None
        try:
            same = os.stat(lock_path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not a lock file its last holder already removed
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock_path)
        os.close(fd)


def _clean_stale(target: Path) -> None:
    """Remove temporary folders of interrupted writes; put back an old folder a crash left mid-swap."""
    olds = sorted(target.parent.glob(f".{target.name}{_OLD}*"))
    if olds and not target.exists():
        os.rename(olds.pop(), target)
    for leftover in [*target.parent.glob(f".{target.name}{_TEMP}*"), *olds]:
        shutil.rmtree(leftover, ignore_errors=True)


def _swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` (absent, empty, or an old output) by ``staging`` in renames."""
    try:
        os.rename(staging, target)  # a new or empty target: one atomic rename
        return
    except OSError as error:
        if not target.is_dir() or error.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise
    old = target.parent / f".{target.name}{_OLD}{uuid.uuid4().hex[:8]}"
    os.rename(target, old)
    os.rename(staging, target)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staged_folder(path: str | Path, kind: str, force: bool = False, run_id: str | None = None, *,
                  keep: bool = False) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``path``; when the block ends without error it is marked as
    wasteopt's ``kind`` output and replaces ``path`` whole. On error nothing at ``path`` changes. With ``keep``
    the temporary folder starts as a copy of ``path``, which must still be the output of ``run_id``: the block
    adds or replaces files of an existing output, swapped in whole all the same."""
    target = _target(path) if keep else check_output_folder(path, kind, force)  # refuse early, before the lock
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"--out {path}: cannot create the folder ({error.strerror})") from None
    with _locked(target):
        _clean_stale(target)
        if not keep:
            check_output_folder(target, kind, force)  # again, now that no other writer can change it
        staging = target.parent / f".{target.name}{_TEMP}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            if keep:
                _copy_of(target, staging, kind, run_id)
            else:
                staging.mkdir()
            yield staging
            try:
                (staging / OWNER_MARKER).write_text(json.dumps({"kind": kind, "run_id": run_id}) + "\n",
                                                    encoding="utf-8")
                _fsync_tree(staging)
                _swap_in(staging, target)
            except OSError as error:
                raise OutputError(f"{shown(target)}: cannot write the folder ({error.strerror or error}); what was "
                                  "there before is unchanged") from None
        except WasteoptError as error:  # a file named as the user will look for it, not in the temporary folder
            error.args = (str(error).replace(shown(staging), shown(target)).replace(str(staging), str(target)),
                          *error.args[1:])
            raise error from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _copy_of(target: Path, staging: Path, kind: str, run_id: str | None) -> None:
    """Copy ``target`` (but its marker, written anew) to ``staging``: regular files and folders, symbolic links as
    links (never what they point to). Refuse when ``target`` no longer holds the ``kind`` output of ``run_id``
    (another run was written over it since the caller looked; an unmarked folder is a run of an older wasteopt)
    or holds a special file (a FIFO would block the copy)."""
    owner = folder_owner(target) or {"kind": "run", "run_id": None}
    if owner.get("kind") != kind or owner.get("run_id") != run_id:
        raise OutputError(f"{shown(target)}: another output was written into the folder meanwhile; nothing was "
                          "changed")
    try:
        staging.mkdir()
        for source in sorted(target.rglob("*")):
            copy = staging / source.relative_to(target)
            if source.is_symlink():
                copy.symlink_to(os.readlink(source))
            elif source.is_dir():
                copy.mkdir()
            elif source.is_file():
                if source.name != OWNER_MARKER or source.parent != target:
                    shutil.copy2(source, copy)
            else:
                raise OutputError(f"{shown(source)}: not a regular file (a FIFO, socket or device); nothing was changed")
    except OSError as error:
        raise OutputError(f"{shown(target)}: cannot copy the folder to change it ({error.strerror or error}); nothing "
                          "was changed") from None
