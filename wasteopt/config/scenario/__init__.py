"""The scenario schema: everything a planner can change, validated strictly (pydantic, frozen).

:class:`Scenario` in :mod:`.schema` gathers the sections, defined by topic: :mod:`.region` (region, demand, network,
transport), :mod:`.technologies` (incinerators and their tariff, landfills, transfer, economics), :mod:`.sorting`,
:mod:`.cd`, :mod:`.policy` (objective, policy, phasing, goals), :mod:`.futures`, :mod:`.solver`. YAML files are read by
:mod:`wasteopt.config.loader`.
"""
from wasteopt.config.scenario.cd import CD_CATEGORIES, CD_CATEGORY_DEFAULTS
from wasteopt.config.scenario.futures import MEAN_VALUE
from wasteopt.config.scenario.messages import key_path_text
from wasteopt.config.scenario.policy import Goals
from wasteopt.config.scenario.region import DemandSettings
from wasteopt.config.scenario.schema import Scenario
from wasteopt.config.scenario.technologies import PowerTariff

__all__ = ["CD_CATEGORIES", "CD_CATEGORY_DEFAULTS", "MEAN_VALUE", "DemandSettings", "Goals", "PowerTariff", "Scenario",
           "key_path_text"]
