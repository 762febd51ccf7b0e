import os
import sys
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


def pytest_terminal_summary(terminalreporter):
    """How the fuzz cases of each family ended (make test and make fuzz report their counts)."""
    import sys

    module = sys.modules.get("test_fuzz_data")
    if module is None:
        return
    failed = terminalreporter.stats.get("failed") is not None
    for family, outcomes in module.FAMILIES.items():
        if outcomes:
            counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
            terminalreporter.write_line(f"{family} fuzz: {outcomes.total()} cases "
                                        + (f"before a failure ({counts})" if failed else f"({counts}), 0 tracebacks"))


@pytest.fixture(autouse=True)
def _main_module_kept():
    """Streamlit's AppTest runs a page as ``__main__`` and leaves it there; a process spawned later (sweeps, Dask
    workers, the scale bench) would run that page again instead of our code, so every test gets the real one."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def zero_landfill_plan():
    """The default Henan scenario solved once for the session (short limit: any feasible plan will do)."""
    from wasteopt import load_scenario, solve_scenario

    scenario = load_scenario(CONFIGS / "henan-2025-zero-landfill.yaml")
    return solve_scenario(scenario, time_limit=float(os.environ.get("WASTEOPT_TEST_TIME_LIMIT", 20)))


TINY_COUNTIES = {"411602", "411603"}  # 川汇区 (周口's seat district, one existing plant) and 淮阳区


def write_tiny_seeds(target: Path) -> Path:
    """A real two-county seeds folder cut from 周口 (Zhoukou): solves in well under a second."""
    import json

    import pandas as pd

    from wasteopt.data.seeds import SEED_FILES
    from wasteopt.bench.synthetic import write_seed_subset

    seeds = write_seed_subset(ROOT / "seeds" / "henan", target, {"411600"})
    for name, column in (("counties", "adcode"), ("plants", "county_adcode"), ("landfills", "adcode")):
        path = seeds / SEED_FILES[name]
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        table[table[column].isin(TINY_COUNTIES) | (table[column] == "")].to_csv(path, index=False)
    news = seeds / SEED_FILES["news_plants"]  # its one plant (项城) is outside the two counties: move it in
    news.write_text(news.read_text(encoding="utf-8").replace("411681", "411603"), encoding="utf-8")
    shapes = seeds / SEED_FILES["county_shapes"]
    collection = json.loads(shapes.read_text(encoding="utf-8"))
    collection["features"] = [f for f in collection["features"] if str(f["properties"]["adcode"]) in TINY_COUNTIES]
    shapes.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return seeds


@pytest.fixture(scope="session")
def tiny_seeds(tmp_path_factory) -> Path:
    return write_tiny_seeds(tmp_path_factory.mktemp("tiny") / "seeds")


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server (Debian's postgresql package) for the session; skipped without its binaries."""
    from pg_server import PostgresServer, pg_bin

    bin_dir = pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found: apt-get install postgresql (scripts/sysdeps.sh)")
    server = PostgresServer(bin_dir)
    yield server
    server.stop()
