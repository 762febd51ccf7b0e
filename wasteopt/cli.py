"""The ``wasteopt`` command line: a thin face over the library.

Each command module exposes ``register(commands, bench_commands)`` and adds its
sub-commands with ``set_defaults(func=...)``; a command function takes the parsed
arguments and returns an exit code.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from wasteopt.errors import WasteoptError

COMMAND_MODULES = (
    "wasteopt.commands.siting",
    "wasteopt.routing.commands",
    "wasteopt.commands.bench",
    "wasteopt.commands.batch",
    "wasteopt.commands.whatif",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wasteopt", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    bench = commands.add_parser("bench", help="benchmarks against known optima / best-known solutions")
    bench_commands = bench.add_subparsers(dest="bench", metavar="SUITE")
    bench_commands.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands, bench_commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except WasteoptError as error:
        if args.debug:
            raise
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
