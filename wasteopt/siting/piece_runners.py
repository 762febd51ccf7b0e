"""Where the pieces of decomposed siting run: in this process (``LocalRunner``) or as Dask tasks (``DaskRunner``)."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable, Iterator, Protocol, Sequence

from wasteopt.config.errors import ScenarioError

if TYPE_CHECKING:  # for annotations only
    import pandas as pd

    from wasteopt.siting.pieces import Piece, PieceOutcome

    Solve = Callable[[Piece, pd.Series, dict], PieceOutcome]


class PieceRunner(Protocol):
    def run(self, solve: Solve, pieces: Sequence[Piece], prices: Sequence[pd.Series],
            options: Sequence[dict]) -> Iterator[PieceOutcome]:
        """``solve`` (``decomposed.solve_piece``) each piece at its prices with its options; yield outcomes as they
        finish (any order)."""


class LocalRunner:
    """Pieces one after another in this process."""

    slots = 1

    def run(self, solve, pieces, prices, options):
        for piece, price, option in zip(pieces, prices, options):
            yield solve(piece, price, option)


SCHEDULER_ADDRESS = re.compile(r"(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}|inproc://\S+")


def checked_scheduler(address: str) -> str:
    """``address`` if it reads as tcp://HOST:PORT (or tls://); a malformed one is refused here, before Dask's client
    (which can hang on one instead of failing)."""
    if not SCHEDULER_ADDRESS.fullmatch(address):
        raise ScenarioError(f"cannot reach the Dask scheduler at {address!r}: not an address "
                            "(expected tcp://HOST:PORT)")
    return address


def scheduler_client(address: str):
    """A ``distributed.Client`` of the Dask scheduler at ``address`` (checked first), or a one-line ScenarioError."""
    from distributed import Client

    checked_scheduler(address)
    try:
        return Client(address, timeout="10s")
    except (OSError, ValueError, TypeError) as error:  # ValueError: a malformed address
        raise ScenarioError(f"cannot reach the Dask scheduler at {address!r}: {error} "
                            "(expected tcp://HOST:PORT)") from None


class DaskRunner:
    """Pieces as Dask tasks: on the cluster at ``scheduler`` (tcp://HOST:PORT), else on a ``distributed.LocalCluster``
    of ``workers`` single-threaded workers (``processes=False``: threads of this process). Each piece is scattered
    once to one worker, so a worker receives only the pieces it solves; a task lost with its worker is retried
    twice. Use as a context manager."""

    def __init__(self, scheduler: str | None = None, workers: int = 2, processes: bool = True):
        self.scheduler, self.workers, self.processes = scheduler, workers, processes
        self._client = self._cluster = None
        self._scattered: dict[int, tuple[Piece, object]] = {}

    def __enter__(self) -> DaskRunner:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ScenarioError("decomposed siting on Dask needs the dask[distributed] package") from None
        if self.scheduler:
            self._client = scheduler_client(self.scheduler)
        else:
            self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=self.processes,
                                         dashboard_address=None)
            self._client = Client(self._cluster)
        return self

    def __exit__(self, *exc) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    @property
    def slots(self) -> int:
        """Tasks the cluster runs at once (its worker threads)."""
        return max(1, sum(self._client.nthreads().values()))

    def run(self, solve, pieces, prices, options):
        from distributed import as_completed

        client = self._client
        for piece in pieces:  # keyed by the piece itself (kept alive here): the rounds resend only prices
            if id(piece) not in self._scattered:
                self._scattered[id(piece)] = (piece, client.scatter(piece, hash=False))
        futures = [client.submit(solve, self._scattered[id(piece)][1], price, option, pure=False, retries=2,
                                 priority=-k)  # in the order given
                   for k, (piece, price, option) in enumerate(zip(pieces, prices, options))]
        for future in as_completed(futures):
            yield future.result()

