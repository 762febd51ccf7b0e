"""The command line loads only the command it runs: each command and bench suite is registered by the module
``cli.COMMAND_MODULES`` / ``cli.BENCH_MODULES`` names, and ``wasteopt cd …`` starts without the siting stack."""
from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

from wasteopt import cli


def _choices(parser) -> tuple[dict, dict]:
    commands = parser._subparsers._group_actions[0].choices
    return commands, commands["bench"]._subparsers._group_actions[0].choices


def test_every_command_and_suite_is_registered_by_the_module_the_table_names():
    commands, suites = _choices(cli.build_parser())
    assert set(commands) == set(cli.COMMAND_MODULES) | {"bench"}
    assert set(suites) == set(cli.BENCH_MODULES)
    for name in cli.COMMAND_MODULES:
        assert name in _choices(cli.build_parser([name, "--help"]))[0]
    for name in cli.BENCH_MODULES:
        assert name in _choices(cli.build_parser(["bench", name]))[1]


def test_a_command_builds_only_its_own_parser():
    commands, suites = _choices(cli.build_parser(["--debug", "cd", "ingest"]))
    assert set(commands) == {"bench", "cd"} and set(suites) == {"cd"}
    commands, suites = _choices(cli.build_parser(["bench", "report"]))
    assert set(commands) == {"bench"} and set(suites) == {"report"}


def test_the_cd_command_starts_without_the_siting_stack():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys\nfrom wasteopt import cli\ncli.build_parser(['cd', 'ingest'])\n"
         "print(' '.join(m for m in sys.modules if m.startswith(('wasteopt.siting', 'wasteopt.milp', 'highspy'))))"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []


def test_an_unknown_command_is_a_usage_error_listing_every_command(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["nonsense"])
    assert stop.value.code == cli.USAGE_EXIT_CODE
    message = capsys.readouterr().err
    assert "invalid choice: 'nonsense'" in message and "'solve'" in message and "'cd'" in message
