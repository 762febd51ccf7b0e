"""The ``wasteopt`` command line: a thin face over the library.

Each command module exposes ``register(commands, bench_commands)`` and adds its
sub-commands with ``set_defaults(func=...)``; a command function takes the parsed
arguments and returns an exit code.

Exit codes: see ``EXIT_CODES`` (shown by ``wasteopt --help``).
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from wasteopt.config.errors import InfeasibleError, NoPlanError, WasteoptError
from wasteopt.config.userfiles import printable, shown

USAGE_EXIT_CODE = 64  # argparse's own 2 would read as "infeasible"
EXIT_CODES = f"""exit codes:
  0    done (a plan, possibly not proven optimal: see its status and gap)
  1    an error in the input or the run (one line on stderr)
  {InfeasibleError.exit_code}    infeasible: proven that no plan meets the scenario (the reasons are printed)
  {NoPlanError.exit_code}    no plan found within the time limit (none proven impossible either): raise it
  {USAGE_EXIT_CODE}   a usage error (unknown option, bad argument; EX_USAGE of sysexits.h)
  130  interrupted
  141  the reader of the output went away (e.g. `| head`); files already written stay"""
# the module of wasteopt.commands that registers each command and each bench suite (in the order --help lists
# them): running a command imports only its module, so ``wasteopt cd …`` does not load the siting stack
COMMAND_MODULES = {
    "solve": "siting", "runs": "siting", "compare": "siting", "route": "routing", "network": "roads",
    "sweep": "batch", "report": "batch", "backtest": "backtest", "calibrate": "backtest", "demand-check": "backtest",
    "cd": "cd",
}
BENCH_MODULES = {
    "cvrp": "routing", "wcvrptw": "routing", "roads": "roads", "cflp": "bench", "pmedian": "bench", "all": "bench",
    "cflp-gen": "bench_methods", "report": "bench_report", "scale": "bench_scale", "decomposed": "decomposed",
    "whatif": "whatif", "cd": "cd",
}


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors exit with :data:`USAGE_EXIT_CODE`."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(USAGE_EXIT_CODE, f"{self.prog}: error: {message}\n")


def command_modules(argv: list[str]) -> list[str]:
    """The command modules ``argv`` needs: the one that registers its command (``wasteopt cd …`` does not load the
    siting stack), or all of them for the overview (``wasteopt --help``) and for an unknown command's error."""
    words = [word for word in argv if not word.startswith("-")]
    table = BENCH_MODULES if words[:1] == ["bench"] else COMMAND_MODULES
    word = words[1] if words[:1] == ["bench"] and len(words) > 1 else (words[0] if words else None)
    if word in table:
        return [table[word]]
    return list(dict.fromkeys([*COMMAND_MODULES.values(), *BENCH_MODULES.values()]))


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv`` (every command when None or when ``argv`` names none)."""
    parser = _Parser(prog="wasteopt", description=__doc__.splitlines()[0], epilog=EXIT_CODES,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    bench = commands.add_parser("bench", help="benchmarks against known optima / best-known solutions")
    bench_commands = bench.add_subparsers(dest="bench", metavar="SUITE")
    bench_commands.required = True
    for name in command_modules(argv or []):
        importlib.import_module(f"wasteopt.commands.{name}").register(commands, bench_commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    usable_standard_streams()
    args = build_parser(argv).parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # `wasteopt … | head`: the reader has what it wanted; stop without a traceback
        if args.debug:
            raise
        silence_standard_streams()
        return BROKEN_PIPE_EXIT_CODE
    except WasteoptError as error:
        if args.debug:
            raise
        _tell(f"error: {printable(error)}")  # user text in a message never drives the terminal
        return error.exit_code
    except OSError as error:  # a file system refusal outside the vetted readers (disk full, permissions …)
        if args.debug:
            raise
        where = f"{shown(error.filename)}: " if error.filename else ""
        _tell(f"error: {where}{error.strerror or error}")
        return 1
    except KeyboardInterrupt:
        _tell("interrupted")
        return 130


BROKEN_PIPE_EXIT_CODE = 141  # 128 + SIGPIPE, what a shell reports for a writer killed by a closed pipe


def usable_standard_streams() -> None:
    """A closed stdout or stderr (`>&-`, `2>&-`) becomes /dev/null: Python then has somewhere to write (it has
    None there), and no file opened later (the registry, a run file) takes descriptor 1 or 2, where the solvers'
    C code would write into it."""
    for fd, name in ((1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_WRONLY)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
        if getattr(sys, name) is None:
            setattr(sys, name, open(fd, "w", encoding="utf-8", errors="backslashreplace", closefd=False))


def silence_standard_streams() -> None:
    """After a broken pipe: what is left to write (the interpreter flushes at exit) goes to /dev/null."""
    null = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(null, stream.fileno())
        except (OSError, ValueError, AttributeError):  # not a file descriptor (a test's capture): nothing to flush
            pass
    os.close(null)


def _tell(line: str) -> None:
    """One line on stderr, if anyone still reads it."""
    try:
        print(line, file=sys.stderr)
    except (OSError, ValueError):
        pass
