"""The studies' results as read back from a run folder (:meth:`RunFolder.backtest`,
:meth:`RunFolder.goal_cost`), in words, 中文 with English. No solver here: the report and the CLI print these;
the runners are :mod:`wasteopt.studies.backtest` and :mod:`wasteopt.studies.goal_cost`."""
from __future__ import annotations


def reliability_line(summary: dict) -> str:
    """Whose scores these are: the plan found, within its proven gap of the optimum cost; marked unreliable when
    the solve stopped above the gap asked for."""
    gap = "–" if summary.get("gap") is None else f"{100 * summary['gap']:.2f} %"
    asked = "" if summary.get("rel_gap_asked") is None else f" (设定 asked {100 * summary['rel_gap_asked']:.2f} %)"
    line = (f"评分所依据的方案：已证明差距 {gap}{asked} 内的最好方案，差距内的其他方案评分可能不同 "
            f"the scores are those of the plan found, within a proven gap of {gap}{asked} of the optimum cost; "
            "another plan within that gap may score otherwise")
    if summary.get("scores_reliable") is False:
        line += "。不可靠：求解停在设定差距之上 UNRELIABLE: the solve stopped above the gap asked for"
    return line


def score_lines(s: dict) -> list[str]:
    """A backtest's scores (``summary["scores"]``) as text lines."""
    return [
        f"地市新增能力在 ±25 % 内 prefectures within ±25 %   {s['prefectures_within']} / {s['prefectures']}",
        f"相关系数 correlation (new t/d per prefecture)      {s['correlation']:.2f}",
        f"新建厂数 new plants (model / built)                {s['model_new_plants']} / {s['built_new_plants']}",
        f"新增能力 new capacity (model / built)              {s['model_new_capacity_tpd']:,.0f} / {s['built_new_capacity_tpd']:,.0f} t/d",
        f"实建厂至最近模型新厂 built plant → nearest model plant {s['mean_distance_km']:.1f} km (mean, straight line)",
        f"拟合误差 fit error (calibration objective)         {s['fit_error']:.3f}",
    ]


def goal_cost_text(record: dict | None) -> str:
    """One cell for the report's goal table: what meeting the new-plants goal costs."""
    if record is None:
        return "未计算 not computed (wasteopt report RUN --goal-cost)"
    if record["status"] == "met":
        return "已达成 met at the cost optimum"
    if record["status"] == "infeasible":
        return f"不可行 infeasible: {record.get('message', '')}"
    if record["status"] == "no_plan":
        return f"限时内未找到方案 no plan within the time limit: {record.get('message', '')}"
    extra = record["cost_wan_cny_per_year"] - record["run_cost_wan_cny_per_year"]
    share = extra / record["run_cost_wan_cny_per_year"] if record["run_cost_wan_cny_per_year"] else float("nan")
    gaps = f"差距 gaps {100 * (record['run_gap'] or 0):.2f} % / {100 * (record['gap'] or 0):.2f} %"
    return (f"{record['new_plants']} 座新厂 new plants: {record['cost_wan_cny_per_year']:,.0f} 万元/yr, "
            f"比本方案多 {extra:+,.0f} 万元/yr ({100 * share:+.1f} %) vs this plan's {record['run_new_plants']} plants "
            f"({gaps}: time-limited solves, so a difference within the gaps is not proven)")
