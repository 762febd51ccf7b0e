"""Names the report's maps, charts and tables share: plant statuses and technologies, plans of a futures
study — 中文 with English."""
from __future__ import annotations

from wasteopt.config.scenario.futures import MEAN_VALUE
from wasteopt.reporting.labels import t

STATUS_ZH = {"existing": "现有 existing", "expanded": "扩建 expanded", "new": "新建 new"}

TECHNOLOGY_NAMES = {"incinerator": "焚烧厂 incinerator", "digester": "厨余垃圾处理厂 food-waste plant",
                    "sorting_centre": "分拣中心 sorting centre", "transfer": "转运站 transfer station",
                    "cd_yard": "消纳场 C&D yard", "cd_recycler": "建筑垃圾资源化厂 C&D recycler",
                    "cd_dewatering": "泥浆脱水厂 slurry dewatering"}
ROBUST_PLAN = "robust"


def plan_label(plan: str) -> str:
    """'稳健方案 robust plan', the mean-value problem's plan, or the plan made for one future alone."""
    if plan == ROBUST_PLAN:
        return "稳健方案 robust plan"
    if plan == MEAN_VALUE:
        return f"{t('mean_value_plan', 'zh')} {t('mean_value_plan', 'en')}"
    return f"仅为 {plan} 规划 plan for {plan} alone"
