"""Where many solves run at once: local spawned worker processes, or an existing Dask cluster (sweeps, calibration)."""
from __future__ import annotations

import concurrent.futures
import multiprocessing
from contextlib import contextmanager

from wasteopt.config.errors import ScenarioError
from wasteopt.siting.piece_runners import scheduler_client


@contextmanager
def worker_pool(scheduler: str | None, jobs: int):
    """(submit, as_completed) for local spawned processes, or for the Dask cluster at ``scheduler``."""
    if scheduler:
        try:
            from distributed import as_completed
        except ImportError:
            raise ScenarioError("--scheduler needs the dask[distributed] package") from None
        client = scheduler_client(scheduler)
        try:
            yield (lambda fn, *args: client.submit(fn, *args, pure=False, retries=1)), as_completed
        finally:
            client.close()
        return
    # spawn: HiGHS threads and forked pandas state do not mix
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))
    try:
        yield pool.submit, concurrent.futures.as_completed
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
