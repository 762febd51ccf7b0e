"""What happened, read from a manifest store for re-planning (scenario key ``cd.observed``).

- Generation: per county of origin and category, the tonnage manifested in the period, in t/d over its days (× 365 a
  year). A duplicate manifest (the same truck and project ≤ 15 min after another: the reconciliation's rule,
  :func:`wasteopt.cd.database.manifests_with_duplicates`) is left out. Manifests record what leaves a site, so C&D
  reused on the site itself is not in the figure: the plan's on-site reuse is reuse beyond what was done.
- Yards: every licensed yard (kind ``yard``) of the store with a volume, and the m³ its arrivals up to the period's
  last day filled (t ÷ the scenario's density of each category; duplicates left out) and left.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Collection

import pandas as pd

from wasteopt.cd.database import exact_sum, manifests_with_duplicates, reading
from wasteopt.config.errors import DataError, ScenarioError
from wasteopt.config.userfiles import shown
from wasteopt.config.scenario.cd import CD_CATEGORIES

if TYPE_CHECKING:  # for annotations only
    from wasteopt.config.scenario.schema import Scenario

KEY = "cd.observed"

GENERATION_SQL = """
WITH filed AS ({manifests})
SELECT origin_adcode AS adcode, category, {total} AS load_t, COUNT(*) AS manifests
FROM filed WHERE duplicate_of IS NULL GROUP BY origin_adcode, category"""
YARDS_SQL = """
SELECT site_id, name, adcode, lon, lat, volume_m3, capacity_tpd FROM sites
WHERE kind = 'yard' AND licensed AND volume_m3 > 0 ORDER BY site_id"""
FILL_SQL = """
WITH filed AS ({manifests})
SELECT destination_site_id AS site_id, category, {total} AS load_t FROM filed
WHERE duplicate_of IS NULL AND arrive_time IS NOT NULL AND arrive_time < :b
  AND destination_site_id IN (SELECT site_id FROM sites WHERE kind = 'yard' AND licensed AND volume_m3 > 0)
GROUP BY destination_site_id, category"""
SPAN_SQL = "SELECT COUNT(*) AS n, MIN(depart_time) AS first, MAX(depart_time) AS last FROM manifests"


@dataclass(frozen=True)
class ObservedCd:
    """C&D observed in ``first_day``–``last_day`` (included)."""

    first_day: dt.date
    last_day: dt.date
    manifests: int  # counted in the generation (duplicates left out)
    generation_tpd: pd.DataFrame  # index: county adcode (str); a column per category key, t/d
    yards: pd.DataFrame  # index: site_id; name, adcode, lon, lat, capacity_tpd, volume_m3, filled_m3, volume_left_m3

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def read_observed(scenario: Scenario, counties: Collection[str]) -> ObservedCd:
    """``cd.observed`` of ``scenario`` read from its store; every county of origin and every yard must be one of
    ``counties`` (the region's). One-line errors for a missing store, an empty period and unknown counties."""
    observed = scenario.cd.observed
    location = observed.store if observed.is_url else str(scenario.path(observed.store))
    named = f"key '{KEY}.store' {_shown(observed.store)}"
    try:
        if observed.is_url:
            generation, yards, fill, span = _read_tables(location, observed.first_day, observed.last_day)
        else:
            stat = Path(location).stat() if Path(location).is_file() else None
            stamp = (stat.st_mtime_ns, stat.st_size) if stat else None
            generation, yards, fill, span = _cached_tables(location, observed.first_day, observed.last_day, stamp)
    except DataError as error:
        raise ScenarioError(f"{named}: {error}") from None
    if generation.empty:
        held = (f"it holds {span['n']:,} manifests departing {span['first']:%Y-%m-%d}–{span['last']:%Y-%m-%d}"
                if span["n"] else "it holds no manifests")
        raise ScenarioError(f"key '{KEY}': no manifests depart in {observed.first_day}–{observed.last_day} in the "
                            f"store {_shown(observed.store)}; {held}")
    known = {str(c) for c in counties}
    unknown = sorted((set(generation["adcode"]) | set(yards["adcode"])) - known)
    if unknown:
        raise ScenarioError(f"key '{KEY}': the store's manifests or yards name {len(unknown)} county adcode(s) that "
                            f"are not counties of the scenario's region: {', '.join(unknown[:10])}"
                            + (" …" if len(unknown) > 10 else ""))
    days = (observed.last_day - observed.first_day).days + 1
    tonnes = generation.pivot_table(index="adcode", columns="category", values="load_t", aggfunc="sum", fill_value=0.0)
    tonnes = tonnes.reindex(columns=list(CD_CATEGORIES), fill_value=0.0)
    tonnes.columns.name = None
    density = pd.Series({c: getattr(scenario.cd.categories, c).density_t_per_m3 for c in CD_CATEGORIES})
    filled_m3 = (fill["load_t"] / fill["category"].map(density)).groupby(fill["site_id"]).sum()
    yards = yards.set_index("site_id")
    yards["filled_m3"] = filled_m3.reindex(yards.index, fill_value=0.0)
    yards["volume_left_m3"] = (yards["volume_m3"] - yards["filled_m3"]).clip(lower=0.0)
    return ObservedCd(observed.first_day, observed.last_day, int(generation["manifests"].sum()), tonnes / days,
                      yards[["name", "adcode", "lon", "lat", "capacity_tpd", "volume_m3", "filled_m3", "volume_left_m3"]])


def _read_tables(location: str, first_day: dt.date, last_day: dt.date):
    """The store's raw figures: generation (adcode, category, load_t, manifests), yards, fill (site_id, category,
    load_t) and the span of its manifests."""
    start = dt.datetime.combine(first_day, dt.time())
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time())
    in_period, params = manifests_with_duplicates(start, end)
    to_date, to_date_params = manifests_with_duplicates(dt.datetime(1900, 1, 1), end)
    with reading(location) as (query, postgres):
        total = exact_sum("load_t", postgres)
        generation = query(GENERATION_SQL.format(manifests=in_period, total=total), **params)
        yards = query(YARDS_SQL)
        fill = query(FILL_SQL.format(manifests=to_date, total=total), **to_date_params)
        span = query(SPAN_SQL).iloc[0].to_dict()
    for frame, column in ((generation, "adcode"), (yards, "adcode"), (yards, "site_id"), (fill, "site_id")):
        frame[column] = frame[column].astype(str)
    for frame, column in ((generation, "load_t"), (fill, "load_t"), (yards, "volume_m3"), (yards, "capacity_tpd"),
                          (yards, "lon"), (yards, "lat")):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return generation, yards, fill, span


@functools.lru_cache(maxsize=8)
def _cached_tables(location: str, first_day: dt.date, last_day: dt.date, stamp):
    """A store file's figures, read again only when its size or mtime (``stamp``, None: no such file) changes: a
    phased plan builds a problem per year from the same store."""
    return _read_tables(location, first_day, last_day)


def _shown(store: str) -> str:
    """The store for a message: a file as the scenario names it, a URL without its password."""
    if "://" not in store:
        return repr(shown(store))
    scheme, rest = store.split("://", 1)
    credentials, at, host = rest.rpartition("@")
    return repr(f"{scheme}://{credentials.split(':', 1)[0]}{at}{host}" if at else store)
