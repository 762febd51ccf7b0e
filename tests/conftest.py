import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"


def pytest_addoption(parser):
    parser.addoption("--run-fuzz", action="store_true", help="run the long fuzz tests (make fuzz)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-fuzz"):
        return
    skip = pytest.mark.skip(reason="long fuzz run: use `make fuzz`")
    for item in items:
        if "fuzz" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def zero_landfill_plan():
    """The default Henan scenario solved once for the session (short limit: any feasible plan will do)."""
    from wasteopt import load_scenario, solve_scenario

    scenario = load_scenario(CONFIGS / "henan-2025-zero-landfill.yaml")
    return solve_scenario(scenario, time_limit=float(os.environ.get("WASTEOPT_TEST_TIME_LIMIT", 20)))
