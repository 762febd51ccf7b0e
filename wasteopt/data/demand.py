"""The demand model: collected MSW per node (t/d) from the 2020 census population, per-capita rates,
collection rates, growth and calibration, minus what sorting takes out."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from wasteopt.config.errors import DataError

if TYPE_CHECKING:  # for annotations only
    from wasteopt.config.scenario.region import DemandSettings


CENSUS_YEAR = 2020


@dataclass(frozen=True)
class Generation:
    """Collected MSW per node in one year, t/d, from urban and from rural residents, and the factors that
    produced it. ``calibration_fitted``: the factor was fitted in this run to the observed total, so the
    per-capita rates and growth set only how the total splits among nodes, not the total."""

    urban_tpd: np.ndarray
    rural_tpd: np.ndarray
    sorted_out_share: float
    base_2020_tpd: np.ndarray
    growth_factor: float
    calibration_factor: float
    calibration_fitted: bool

    @property
    def generated_tpd(self) -> np.ndarray:
        return self.urban_tpd + self.rural_tpd

    @property
    def sorted_out_tpd(self) -> np.ndarray:
        return self.generated_tpd * self.sorted_out_share

    @property
    def to_treat_tpd(self) -> np.ndarray:
        return self.generated_tpd - self.sorted_out_tpd


def msw_generation(urban_population, rural_population, settings: DemandSettings, year: int) -> Generation:
    """Collected MSW in ``year`` (t/d) from 2020 urban/rural population (persons): the one demand model that
    siting, routing, the app and the report read (through ``Region.demand``).

    urban = urban population × urban kg/cap/d × urban collection rate / 1000 × growth × calibration factor,
    rural alike; growth = (1 + growth_per_year)^(year − 2020). The calibration factor is
    ``calibration.factor`` when set (fitted once, held: every knob moves the total), fitted here to
    ``calibration.total_tpd`` in ``calibration.year`` when ``factor`` is null, 1 without a calibration.
    Sorting then removes ``sorted_out_share``: to_treat = generated × (1 − sorted_out_share).
    """
    rate, collected = settings.msw_kg_per_capita_day, settings.collection_rate
    urban = np.asarray(urban_population, dtype=float) * rate.urban * collected.urban / 1000.0
    rural = np.asarray(rural_population, dtype=float) * rate.rural * collected.rural / 1000.0

    def grown(total_year: int) -> float:
        return (1.0 + settings.growth_per_year) ** (total_year - CENSUS_YEAR)

    calibration = settings.calibration
    factor, fitted = 1.0, False
    if calibration is not None and calibration.factor is not None:
        factor = calibration.factor
    elif calibration is not None:
        modelled = (urban.sum() + rural.sum()) * grown(calibration.year)
        if modelled <= 0:
            raise DataError("cannot calibrate MSW generation: the modelled total is 0 t/d (no population?)")
        factor, fitted = calibration.total_tpd / modelled, True
    scale = factor * grown(year)
    return Generation(urban * scale, rural * scale, settings.sorted_out_share, urban + rural, grown(year), factor,
                      fitted)


def calibration_record(settings: DemandSettings, generation: Generation) -> dict | None:
    """The calibration step as the app and report show it: held or fitted, its factor, and this scenario's
    modelled total in the observed year beside the observed total."""
    calibration = settings.calibration
    if calibration is None:
        return None
    base = float(generation.base_2020_tpd.sum())
    modelled = base * generation.calibration_factor * (1.0 + settings.growth_per_year) ** (calibration.year - CENSUS_YEAR)
    return {"mode": "fitted" if generation.calibration_fitted else "held", "factor": generation.calibration_factor,
            "year": calibration.year, "observed_tpd": calibration.total_tpd, "modelled_tpd": modelled,
            "source": calibration.source}
