"""Construction & demolition waste (建筑垃圾): yards, recycling plants, slurry dewatering and the five categories."""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, model_validator

from wasteopt.config.scenario.section import MAX_CNY_PER_T, MAX_CNY_PER_T_KM, MAX_KM, MAX_TPD, MAX_WAN_CNY, Section


class YardSettings(Section):
    volume_m3: float = Field(1_000_000, gt=0, le=1e10, description="fill volume of one consumption yard (消纳场), or of one cell with track_volume")
    horizon_years: float = Field(10, gt=0, le=100, description="years the volume must last")
    density_t_per_m3: float = Field(1.5, gt=0, le=5, description=(
        "stockpile density; with categories, that of recycling residue and dewatered slurry [derived]: 1 万 t on "
        "≈ 2 mu (1,333 m²) piled 5 m high, C&D recycling plant feasibility report (m.qiqiwenku.com/doc/48194)"))
    site_cost_wan_cny: float = Field(1500, ge=0, le=MAX_WAN_CNY, description="[assumption]")
    gate_cost_cny_per_t: float = Field(15, ge=0, le=MAX_CNY_PER_T, description=(
        "stockpile fee 10–20 CNY/t [weak]: generic C&D fee ladder (建筑垃圾处理价格, httgc.com, secondary)"))
    one_per_county: bool = Field(False, description="policy switch: every county opens its own yard")
    track_volume: bool = Field(False, description="a yard is cells of volume_m3 filled in m³ (t ÷ density): one year's intake "
                               "must fit for horizon_years; phased, the fill accumulates year by year, a full yard "
                               "is extended by a cell or replaced, and after the last year horizon_years of its intake "
                               "still fit. Off: volume ÷ horizon as a t/d capacity (old form)")
    max_intake_tpd: float = Field(3000, gt=0, le=MAX_TPD, description="with track_volume: t/d one cell's gate and "
                                  "roads take (≈ 120 trucks of 25 t a day) [assumption]")
    max_extensions: int = Field(2, ge=0, le=20, description="with track_volume: cells a yard may add to its first")
    cell_cost_wan_cny: float = Field(500, ge=0, le=MAX_WAN_CNY, description="with track_volume: each cell (the first too): "
                                     "liner-free earthworks, drainage, retaining dam [assumption]")


class RecyclerSettings(Section):
    module_tpd: float = Field(1000, gt=0, le=100_000, description="crushing/screening line, t/d")
    max_modules: int = Field(3, ge=1, le=20)
    site_cost_wan_cny: float = Field(2000, ge=0, le=MAX_WAN_CNY, description="[assumption]")
    module_cost_wan_cny: float = Field(1100, ge=0, le=MAX_WAN_CNY, description=(
        "≈ 33 CNY per annual t of capacity [derived]: Shiyan recycling plant, 100 万 t/yr for 3,285 万 CNY "
        "(news report, shengtairou.cn)"))
    opex_cny_per_t: float = Field(35, ge=0, le=MAX_CNY_PER_T, description="[assumption]")
    product_price_cny_per_t: float = Field(30, ge=0, le=MAX_CNY_PER_T, description="per t of recycled aggregate sold [assumption]")
    product_share: float = Field(0.9, ge=0, le=1, description="recycled product per t input; the rest is residue [assumption]")
    min_load_share: float = Field(0.5, ge=0, le=1)


CD_CATEGORIES = ("spoil", "slurry", "construction", "demolition", "decoration")
CdDestination = Literal["reuse", "yard", "recycler", "dewatering", "incinerator", "landfill"]
_DENSITY_SRC = "C&D 1.5 (stockpile) to 1.9 t/m³ (structures), http://www.mffbw.com/zx/77268.html [weak]"
# Defaults of the national categories (CJJ/T 134-2019 建筑垃圾处理技术标准 §2): the routine drivers add up to the
# single stream's 0.5 t per urban resident a year and the programmes go where they come from, so switching
# categories on splits the same tonnage. Shares, densities and routes are [assumption] unless a source is named.
CD_CATEGORY_DEFAULTS: dict[str, dict[str, Any]] = {
    "spoil": dict(t_per_urban_capita_year=0.30, onsite_reuse_max_share=0.4, density_t_per_m3=1.8,
                  destinations=["reuse", "yard", "landfill"]),
    "slurry": dict(t_per_urban_capita_year=0.05, onsite_reuse_max_share=0.0, density_t_per_m3=1.3,
                   destinations=["dewatering"]),
    "construction": dict(t_per_urban_capita_year=0.10, onsite_reuse_max_share=0.2, density_t_per_m3=1.5,
                         destinations=["reuse", "recycler", "landfill"]),
    "demolition": dict(t_per_urban_capita_year=0.05, programme="shantytown", onsite_reuse_max_share=0.2,
                       density_t_per_m3=1.5, destinations=["reuse", "recycler", "landfill"]),
    "decoration": dict(t_per_urban_capita_year=0.0, programme="renovation", onsite_reuse_max_share=0.0,
                       density_t_per_m3=1.0, destinations=["recycler", "landfill"]),
}


class CdCategory(Section):
    """One C&D category: its generation driver, on-site reuse, density and where it may go."""

    t_per_urban_capita_year: float = Field(ge=0, le=100, description="routine generation per urban resident [assumption]: "
                                           "spoil (foundation digs) dominates, slurry from bored piles and tunnels")
    programme: Literal["none", "renovation", "shantytown"] = Field(
        "none", description="the plan programme whose tonnage is this category's: 老旧小区改造 → decoration, 棚户区改造 → demolition")
    onsite_reuse_max_share: float = Field(ge=0, le=1, description="most reused on site (回填、场地平整、堆山造景) [assumption]; "
                                          "Henan practice backfills pits and kilns, http://www.gc850.com/industry/126329.html [src]")
    density_t_per_m3: float = Field(gt=0, le=5, description=f"bulk density in a yard: {_DENSITY_SRC}; spoil 1.8, "
                                    "slurry cake 1.3, light mixed decoration 1.0 [assumption]")
    destinations: list[CdDestination] = Field(min_length=1, max_length=6, description="spoil → reuse/yard; construction and "
                                              "demolition → recycling plants (residue to yards); decoration → sorting at the "
                                              "recycling plant; slurry → dewatering (cake to yards); landfill as a fallback")

    @model_validator(mode="after")
    def _reuse_listed(self):
        if self.onsite_reuse_max_share > 0 and "reuse" not in self.destinations:
            raise ValueError("onsite_reuse_max_share > 0 needs 'reuse' in destinations")
        if len(set(self.destinations)) != len(self.destinations):
            raise ValueError("destinations: each at most once")
        return self


class CdCategories(Section):
    """The five categories; a key given in YAML changes only the fields it names."""

    spoil: CdCategory
    slurry: CdCategory
    construction: CdCategory
    demolition: CdCategory
    decoration: CdCategory

    @model_validator(mode="before")
    @classmethod
    def _over_defaults(cls, data):
        if not isinstance(data, dict):
            return data
        return {key: ({**CD_CATEGORY_DEFAULTS[key], **value} if isinstance(value, dict) else value)
                for key, value in {**{k: {} for k in CD_CATEGORIES}, **data}.items()}


class DewateringSettings(Section):
    """Slurry (工程泥浆) dewatering plants (filter press); the cake goes on to yards or landfills."""

    module_tpd: float = Field(500, gt=0, le=100_000, description="filter-press line, t/d of slurry [assumption]")
    max_modules: int = Field(2, ge=1, le=20)
    site_cost_wan_cny: float = Field(500, ge=0, le=MAX_WAN_CNY, description="[assumption]")
    module_cost_wan_cny: float = Field(600, ge=0, le=MAX_WAN_CNY, description="[assumption]")
    opex_cny_per_t: float = Field(40, ge=0, le=MAX_CNY_PER_T, description="flocculant, power, labour [assumption]")
    cake_share: float = Field(0.5, gt=0, le=1, description="cake per t of slurry; the water is discharged [assumption]")


class ObservedSettings(Section):
    """What happened, read from a manifest store (``wasteopt cd ingest``), so re-planning starts from it: per county
    with manifests in the period, its generation per category is the tonnage manifested (duplicates left out) as t/d
    over the period's days, in place of the modelled; licensed yards of the store with a volume are existing yards
    holding their volume less the fill observed up to ``last_day``. A store file is part of the scenario's hash (a
    store loaded further is a new scenario); a server's tables are not, so a scenario on a URL is always solved
    again (never an earlier run reused)."""

    store: str = Field(min_length=1, max_length=2000, description="the manifest store: a DuckDB file (relative to the "
                       "scenario's folder) or a postgresql:// URL")
    first_day: dt.date = Field(strict=False, description="first day of the observed period (YYYY-MM-DD)")
    last_day: dt.date = Field(strict=False, description="last day of the observed period, included (YYYY-MM-DD)")

    @model_validator(mode="after")
    def _ordered(self):
        if self.last_day < self.first_day:
            raise ValueError(f"last_day {self.last_day} is before first_day {self.first_day}")
        return self

    @property
    def is_url(self) -> bool:
        return "://" in self.store


class CdSettings(Section):
    """Construction & demolition waste (建筑垃圾): generation drivers from the plan, on-site reuse, yards, recycling."""

    enabled: bool = False
    routine_t_per_urban_capita_year: float = Field(0.5, ge=0, le=100, description="new construction and spoil [assumption]; with by_category each category's own")
    renovation_households: float = Field(1_000_000, ge=0, le=1e9, description="老旧小区改造 100万户 in 2021–2025 [src, plan]")
    renovation_t_per_household: float = Field(8, ge=0, le=1_000, description=(
        "80 m² × 0.10 t/m² [derived]: home renovation 0.10 t/m² in a municipal C&D estimation rule (quoted at "
        "mffbw.com, secondary); 80 m² per home assumed"))
    shantytown_units: float = Field(300_000, ge=0, le=1e9, description="棚户区改造 30万套 new starts in 2021–2025 [src, plan]")
    shantytown_t_per_unit: float = Field(104, ge=0, le=10_000, description=(
        "80 m² × 1.3 t/m² demolition [derived]: civil buildings 1.3 t/m² in a municipal C&D estimation rule (quoted "
        "at mffbw.com, secondary; 0.7–1.2 t/m² in a C&D feasibility report); 80 m² per home assumed"))
    program_years: float = Field(5, gt=0, le=100, description="years the renovation programmes run")
    onsite_reuse_max_share: float = Field(0.3, ge=0, le=1, description="most that can be reused on site (backfill, levelling, landscaping) [assumption]; with by_category each category's own")
    onsite_reuse_cost_cny_per_t: float = Field(8, ge=0, le=MAX_CNY_PER_T, description="on-site crushing/spreading; reuse is chosen where it beats haulage [assumption]")
    max_haul_km: float = Field(50, gt=0, le=MAX_KM, description="[assumption]: illegal-dumping risk rises beyond 20–30 km")
    truck_payload_t: float = Field(25, gt=0, le=100, description=(
        "dump truck load per trip, 25–30 t trucks [assumption]: no published payload found; 渣土车 carry 15–30 t, "
        "check against the fleet register"))
    cny_per_t_km: float = Field(0.7, ge=0, le=MAX_CNY_PER_T_KM, description=(
        "25–30 t dump truck [assumption]: no published CNY/t·km found, bottom-up 2 × (fuel + crew + upkeep per km) / payload ≈ 0.6–0.8"))
    landfill_gate_cost_cny_per_t: float = Field(40, ge=0, le=MAX_CNY_PER_T, description=(
        "landfill 30–50 CNY/t [weak]: generic C&D fee ladder (建筑垃圾处理价格, httgc.com, secondary)"))
    recycling_target_share: float = Field(0.6, ge=0, le=1, description="national 2025 target, (reused + recycled) / generated [src]")
    yard: YardSettings = YardSettings()
    recycler: RecyclerSettings = RecyclerSettings()
    by_category: bool = Field(False, description="C&D as the five CJJ/T 134-2019 categories (categories); off: one stream "
                              "with onsite_reuse_max_share and routine_t_per_urban_capita_year (old configs)")
    categories: CdCategories = CdCategories()
    dewatering: DewateringSettings = DewateringSettings()
    observed: ObservedSettings | None = Field(None, description="start from what happened: observed generation and yard "
                                        "volumes left from a manifest store (see ObservedSettings)")

    @model_validator(mode="after")
    def _observed_needs_cd(self):
        if self.observed is not None and not self.enabled:
            raise ValueError("observed needs enabled: true")
        return self
