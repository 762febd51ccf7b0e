"""What a scenario changes against its base, in the planner's words: "年增长率 2 % → 4 %；零填埋 关".

Run titles are built from these changes, so a run whose zero-landfill cap was switched off no
longer carries only its base config's name. Solver settings (time, gap, threads) are how a run
was solved, not what it plans, and are left out.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wasteopt.config.errors import ScenarioError
from wasteopt.config.scenario.schema import Scenario

IGNORED_SECTIONS = ("name", "description", "base_dir", "solver")
ON_OFF = {True: ("开", "on"), False: ("关", "off")}


@dataclass(frozen=True)
class KeyWords:
    """How one scenario key is named and shown: label in 中文 and English, unit (``unit_en`` when English
    words differ, as for counts), a display scale, and what null means for it (no limit, unless said)."""

    zh: str
    en: str
    unit: str = ""
    scale: float = 1.0
    unit_en: str | None = None
    null: tuple[str, str] = ("不限", "none")

    def unit_in(self, index: int) -> str:
        return self.unit_en if index == 1 and self.unit_en is not None else self.unit


KEY_WORDS: dict[str, KeyWords] = {
    "region.target_year": KeyWords("目标年份", "target year"),
    "region.baseline_year": KeyWords("基准年份", "baseline year"),
    "demand.msw_kg_per_capita_day.urban": KeyWords("城镇人均产生量", "urban MSW per capita", "kg/人·日"),
    "demand.msw_kg_per_capita_day.rural": KeyWords("农村人均产生量", "rural MSW per capita", "kg/人·日"),
    "demand.growth_per_year": KeyWords("年增长率", "growth", "%", 100.0),
    "demand.sorted_out_share": KeyWords("分类分流比例", "sorted-out share", "%", 100.0),
    "demand.collection_rate.urban": KeyWords("城镇清运率", "urban collection rate", "%", 100.0),
    "demand.collection_rate.rural": KeyWords("农村清运率", "rural collection rate", "%", 100.0),
    "demand.calibration.factor": KeyWords("校准系数", "calibration factor",
                                          null=("每次按观测总量拟合", "refitted to the observed total every run")),
    "demand.calibration.total_tpd": KeyWords("校准观测总量", "observed total for calibration", "t/d"),
    "network.max_haul_km": KeyWords("最大运距", "max haul", "km"),
    "incinerator.line_sizes_tpd": KeyWords("焚烧线规格", "line sizes", "t/d"),
    "incinerator.max_lines_per_site": KeyWords("每厂最多焚烧线", "max lines per site", "条", unit_en="lines"),
    "incinerator.site_cost_wan_cny": KeyWords("新厂址固定成本", "new site cost", "万元"),
    "incinerator.line_fixed_cost_wan_cny": KeyWords("每条线固定成本", "fixed cost per line", "万元"),
    "incinerator.line_cost_wan_cny_per_tpd": KeyWords("单位能力成本", "cost per capacity", "万元/(t/d)"),
    "incinerator.allow_expansion": KeyWords("允许扩建", "expansion allowed"),
    "policy.raw_msw_landfill_cap_tpd": KeyWords("原生垃圾填埋上限", "raw MSW landfill cap", "t/d"),
    "policy.province_capacity_target_tpd": KeyWords("全省焚烧能力目标", "province capacity target", "t/d"),
    "policy.new_plants.min": KeyWords("新建厂至少", "new plants at least", "座", unit_en="plants"),
    "policy.new_plants.max": KeyWords("新建厂至多", "new plants at most", "座", unit_en="plants"),
    "policy.single_sourcing": KeyWords("单一来源", "single sourcing"),
    "policy.locked_open": KeyWords("强制启用", "locked open"),
    "policy.locked_closed": KeyWords("禁止使用", "locked closed"),
    "policy.fixed_plants_file": KeyWords("固定厂址方案", "fixed plan"),
    "policy.landfills_stopped_min": KeyWords("停用填埋场至少", "landfills stopped at least", "座", unit_en="landfills"),
    "policy.landfills_restored_min": KeyWords("封场至少", "landfills restored at least", "座", unit_en="landfills"),
    "objective.kind": KeyWords("优化目标", "objective"),
    "objective.p": KeyWords("厂数 p", "plants p"),
    "objective.radius_km": KeyWords("服务半径", "service radius", "km"),
    "cd.enabled": KeyWords("建筑垃圾", "C&D waste"),
    "cd.onsite_reuse_max_share": KeyWords("建筑垃圾就地利用上限", "C&D on-site reuse", "%", 100.0),
    "transfer.enabled": KeyWords("转运站", "transfer stations"),
    "phasing.years": KeyWords("分年", "phasing years"),
}
NO_LIMIT = ("不限", "none")


@dataclass(frozen=True)
class Change:
    """One scenario key whose value differs from the base (values as in the scenario's JSON form)."""

    key: str
    before: object
    after: object

    def words(self, lang: str = "zh") -> str:
        """E.g. "年增长率 2 % → 4 %", "零填埋 关", "禁止使用 +C012" (``lang`` "zh" or "en")."""
        index = 0 if lang == "zh" else 1
        if self.key == "policy.raw_msw_landfill_cap_tpd" and 0 in (self.before, self.after) \
                and None in (self.before, self.after):
            return ("零填埋 " if index == 0 else "zero landfill ") + ON_OFF[self.after == 0][index]
        words = KEY_WORDS.get(self.key)
        label = (words.zh if index == 0 else words.en) if words else self.key
        if isinstance(self.before, bool) and isinstance(self.after, bool):
            return f"{label} {ON_OFF[self.after][index]}"
        if self.key in ("policy.locked_open", "policy.locked_closed"):
            added = [f"+{site}" for site in self.after if site not in self.before]
            removed = [f"−{site}" for site in self.before if site not in self.after]
            return f"{label} {' '.join(added + removed)}"
        return f"{label} {_value(self.before, words, index)} → {_value(self.after, words, index)}"


def _value(value, words: KeyWords | None, index: int) -> str:
    if value is None:
        return (words.null if words else NO_LIMIT)[index]
    unit = f" {words.unit_in(index)}" if words and words.unit_in(index) else ""
    if isinstance(value, list):
        return "、".join(_number(v, words) for v in value) + unit if value else "–"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number(value, words) + unit
    return str(value)


def _number(value, words: KeyWords | None) -> str:
    """2 (not 2.0), 2.5, 70,000 (years stay 2025)."""
    scaled = round(float(value) * (words.scale if words else 1.0), 6)
    if scaled.is_integer():
        return f"{int(scaled):,}" if abs(scaled) >= 10000 else str(int(scaled))
    return f"{scaled:g}"


def _flat(data: dict, prefix: str = "") -> dict[str, object]:
    flat = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flat(value, path + "."))
        else:
            flat[path] = value
    return flat


def nested_changes(dotted: dict[str, Any]) -> dict:
    """Changes given by dotted keys as the nested dict of ``Scenario.with_changes``: {"a.b": 1} → {"a": {"b": 1}}."""
    nested: dict = {}
    for key, value in dotted.items():
        *parents, leaf = key.split(".")
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ScenarioError(f"key '{key}' clashes with another key")
        node[leaf] = value
    return nested


def short_key(key: str) -> str:
    """A column name for a dotted key: its last part, or the last two when that alone says little (min/max)."""
    parts = key.split(".")
    return ".".join(parts[-2:]) if parts[-1] in ("min", "max") and len(parts) > 1 else parts[-1]


def scenario_changes(base: Scenario, scenario: Scenario) -> list[Change]:
    """Every planning key whose value differs from ``base``, in the order of the scenario's sections."""
    before = _flat(base.model_dump(mode="json", exclude=set(IGNORED_SECTIONS)))
    after = _flat(scenario.model_dump(mode="json", exclude=set(IGNORED_SECTIONS)))
    return [Change(key, before.get(key), value) for key, value in after.items() if before.get(key) != value]


def changes_text(changes: list[Change], lang: str = "zh") -> str:
    """The changes joined the way a title reads them ("；" in 中文, "; " in English); "" for none."""
    return ("；" if lang == "zh" else "; ").join(change.words(lang) for change in changes)


def run_title(label: str, changes: list[Change], lang: str = "zh") -> str:
    """A run's title: the planner's label, then the changes from its base in words."""
    return " · ".join(part for part in (label.strip(), changes_text(changes, lang)) if part)
