"""KPI and goal tables, per-prefecture balances and comparison charts, in the UI language. No Streamlit here."""
from __future__ import annotations

import re

import altair as alt
import pandas as pd

from wasteopt.reporting.compare import COST_KEY, CostDelta, cost_delta, kpi_delta
from wasteopt.reporting.kpi import format_kpi, kpi_labels
from wasteopt.config.scenario.futures import MEAN_VALUE
from wasteopt.reporting.labels import KPI_NAMES_ZH, STATUS_NAMES_ZH, TEXT, place, t, unit
from wasteopt.siting.cd_categories import NAMES_ZH


MET, NOT_MET = "✓", "✗"  # in the CJK and DejaVu fonts; emoji need a font many Linux desktops lack


def styled_goals(frame: pd.DataFrame):
    """The goals table with met cells green and unmet ones red."""
    def colour(cell):
        if isinstance(cell, str) and MET in cell:
            return "color: #1a7f37; font-weight: 600"
        if isinstance(cell, str) and NOT_MET in cell:
            return "color: #c62828; font-weight: 600"
        return ""
    return frame.style.map(colour)


def kpi_table(kpis_by_run: dict[str, dict], lang: str) -> pd.DataFrame:
    """Rows: KPIs with their unit; one column per run."""
    rows = []
    for key, label, unit_text in kpi_labels(*kpis_by_run.values()):
        row = {t("kpi", lang): KPI_NAMES_ZH.get(key, label) if lang == "zh" else label,
               t("unit", lang): unit(unit_text, lang)}
        for run, kpis in kpis_by_run.items():
            value = format_kpi(key, kpis.get(key), kpis)
            row[run] = f"{STATUS_NAMES_ZH[value]} {value}" if key == "status" and lang == "zh" and value in STATUS_NAMES_ZH else value
        rows.append(row)
    return pd.DataFrame(rows)


def delta_table(kpis_by_run: dict[str, dict], base: str, lang: str) -> pd.DataFrame:
    """Rows: KPIs with their unit; the base run's values, then per other run its values, Δ and Δ % against the
    base. A cost Δ the two proven gaps cannot separate reads "差异小于求解误差 / within solver tolerance"."""
    labels = kpi_labels(*kpis_by_run.values())
    values = kpi_table(kpis_by_run, lang)
    table = values[[t("kpi", lang), t("unit", lang), base]].copy()
    for run, kpis in kpis_by_run.items():
        if run == base:
            continue
        table[run] = values[run]
        deltas = [kpi_delta(key, kpis_by_run[base], kpis) for key, _, _ in labels]
        table[f"Δ {run}"] = [_signed(key, d) for (key, _, _), (d, _) in zip(labels, deltas)]
        cost = cost_delta(kpis_by_run[base], kpis)
        table[f"Δ % {run}"] = [_percent(p, cost if key == COST_KEY else None, lang)
                               for (key, _, _), (_, p) in zip(labels, deltas)]
    return table


def _percent(value: float | None, cost: CostDelta | None, lang: str) -> str:
    """Δ % as shown; for the cost, with the interval the two proven gaps allow the optima's difference (万元/yr)."""
    if cost is None:
        return "–" if value is None else f"{value:+.2f} %"
    shown = t("within_tolerance", lang) if cost.within_tolerance else "–" if value is None else f"{value:+.2f} %"
    return f"{shown} {cost.interval_text()} 万元"


def _signed(key: str, value: float | None) -> str:
    if value is None:
        return "–"
    if key == "mean_utilisation":
        return f"{100 * value:+.2f} pp"
    return f"{value:+,.2f}" if abs(value) < 100 else f"{value:+,.0f}"


def goals_table(kpis_by_run: dict[str, dict], lang: str) -> pd.DataFrame:
    """Rows: the plan's goals with target; per run the value and ✓ met / ✗ not met. The landfill goal says how
    many of the landfills it counts are assumed."""
    rows = []
    first = next(iter(kpis_by_run.values()))
    for i, goal in enumerate(first["goals"]):
        name = goal["goal_zh"] if lang == "zh" else goal["goal"]
        if goal["kpi"] == "landfills_stopped" and first.get("landfills_assumed"):
            name += t("landfills_assumed_note", lang, assumed=first["landfills_assumed"], total=first["landfills_total"])
        row = {t("goal", lang): name,
               t("target", lang): f"{goal['sense']} {goal['target']:,.0f} {unit(goal['unit'], lang)}"}
        for run, kpis in kpis_by_run.items():
            g = kpis["goals"][i]
            mark = f"{MET} {t('met', lang)}" if g["met"] else f"{NOT_MET} {t('not_met', lang)}"
            row[run] = f"{format_kpi(g['kpi'], g['value'], kpis)} {unit(g['unit'], lang)} {mark}"
        rows.append(row)
    return pd.DataFrame(rows)


def prefecture_balance(layers_by_run: dict[str, dict]) -> pd.DataFrame:
    """Long table: prefecture, run, incineration capacity and MSW to treat (t/d)."""
    frames = []
    for run, layers in layers_by_run.items():
        demand, plants = layers["demand"], layers["plants"]
        names = demand.drop_duplicates("prefecture_adcode").set_index("prefecture_adcode")
        need = demand.groupby("prefecture_adcode")["msw_tpd"].sum()
        incinerators = plants[plants["technology"] == "incinerator"]
        capacity = incinerators.groupby("prefecture_adcode")["capacity_tpd"].sum().reindex(need.index).fillna(0.0)
        frames.append(pd.DataFrame({
            "prefecture": [place(names.at[a, "prefecture_zh"], names.at[a, "prefecture_en"]) for a in need.index],
            "run": run, "capacity_tpd": capacity.to_numpy(), "msw_tpd": need.to_numpy()}))
    return pd.concat(frames, ignore_index=True)


# Fit the width to the column, keep the height: with Streamlit's default ("fit") the legend and the
# slanted prefecture names squeezed the bars to ~60 px of their 320, and the top of CJK titles was cut off.
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")


def balance_chart(balance: pd.DataFrame, lang: str) -> alt.Chart:
    """Capacity bars per run with a black tick at the MSW to treat, per prefecture."""
    x = alt.X("prefecture:N", title=None, sort=None, axis=alt.Axis(labelAngle=-45, labelLimit=240, labelOverlap=False))
    bars = alt.Chart(balance).mark_bar().encode(
        x=x, xOffset="run:N", y=alt.Y("capacity_tpd:Q", title=f"{t('capacity', lang)} (t/d)"),
        color=alt.Color("run:N", title=t("run", lang), legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=0)),
        tooltip=[alt.Tooltip("prefecture:N", title=t("col_prefecture", lang)), alt.Tooltip("run:N", title=t("run", lang)),
                 alt.Tooltip("capacity_tpd:Q", format=",.0f", title=f"{t('capacity', lang)} (t/d)"),
                 alt.Tooltip("msw_tpd:Q", format=",.0f", title=f"{t('msw_to_treat', lang)} (t/d)")])
    ticks = alt.Chart(balance).mark_tick(color="black", thickness=2).encode(
        x=x, xOffset="run:N", y="msw_tpd:Q",
        tooltip=[alt.Tooltip("prefecture:N", title=t("col_prefecture", lang)), alt.Tooltip("run:N", title=t("run", lang)),
                 alt.Tooltip("msw_tpd:Q", format=",.0f", title=f"{t('msw_to_treat', lang)} (t/d)")])
    return (bars + ticks).properties(title=t("capacity_vs_demand", lang) + f" — ▬ {t('msw_to_treat', lang)}", height=320,
                                     autosize=FIT_WIDTH)


def kpi_delta_bar(kpis_by_run: dict[str, dict], base: str, key: str, title_key: str, lang: str, scale: float = 1.0,
                  number_format: str = ",.0f") -> alt.Chart:
    """One bar per other run: its KPI ``key`` minus the base run's (times ``scale``), from a zero line, so small
    differences show. Each bar is labelled with its run's short name (B, C …, as the tables' columns; the page's
    caption says which run is which, the tooltip gives its title). Cost bars the two proven gaps cannot separate
    are grey and say so."""
    tags = run_tags([base, *(run for run in kpis_by_run if run != base)])
    rows = []
    for run, kpis in kpis_by_run.items():
        if run == base:
            continue
        delta, _ = kpi_delta(key, kpis_by_run[base], kpis)
        cost = cost_delta(kpis_by_run[base], kpis) if key == COST_KEY else None
        within = bool(cost and cost.within_tolerance)
        rows.append({"tag": tags[run], "run": run, "delta": None if delta is None else scale * delta,
                     "verdict": t("within_tolerance", lang) if within else "", "within": within})
    frame = pd.DataFrame(rows, columns=["tag", "run", "delta", "verdict", "within"])
    encoded = alt.Chart(frame).encode(x=alt.X("tag:N", title=None, sort=None, axis=alt.Axis(labelAngle=0, labelFontSize=13)))
    bars = encoded.mark_bar().encode(
        y=alt.Y("delta:Q", title=None, axis=alt.Axis(format="+" + number_format)),
        color=alt.condition("datum.within", alt.value("#bdc3c7"), alt.Color("tag:N", legend=None)),
        tooltip=[alt.Tooltip("run:N", title=t("run", lang)), alt.Tooltip("delta:Q", format="+" + number_format, title="Δ"),
                 alt.Tooltip("verdict:N", title=" ")])
    labels = encoded.mark_text(baseline="bottom", dy=-3, fontSize=11).encode(
        y=alt.Y("delta:Q"), text=alt.Text("delta:Q", format="+" + number_format))
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="black").encode(y="y:Q")
    # the title from the chart's left edge, the unit and the base under it: a third of the page holds it whole
    title = alt.TitleParams(f"Δ {t(title_key, lang)}", subtitle=t("vs_base", lang, base=tags[base]), anchor="start",
                            frame="group", limit=0)
    return (bars + labels + zero).properties(title=title, height=220, autosize=FIT_WIDTH)


def progress_chart(history: list, lang: str, divisor: float = 1e4, unit_text: str = "万元/yr") -> alt.Chart:
    """A running solve: the best plan's objective and the proven bound over time (objective / ``divisor``)."""
    names = {"best": t("progress_best", lang), "bound": t("progress_bound", lang)}
    rows = [{"seconds": p.seconds, "series": names[kind], "value": value / divisor}
            for p in history for kind, value in (("best", p.best), ("bound", p.bound)) if value is not None]
    frame = pd.DataFrame(rows, columns=["seconds", "series", "value"])
    return alt.Chart(frame).mark_line(point=True, interpolate="step-after").encode(
        x=alt.X("seconds:Q", title=t("progress_seconds", lang)),
        y=alt.Y("value:Q", title=unit_text, scale=alt.Scale(zero=False), axis=alt.Axis(format=",.0f")),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=list(names.values()), range=["#c0392b", "#2c3e50"])),
        tooltip=[alt.Tooltip("seconds:Q", format=".1f", title="s"), alt.Tooltip("series:N", title=" "),
                 alt.Tooltip("value:Q", format=",.0f", title=unit_text)],
    ).properties(title=t("progress_title", lang), height=220, autosize=FIT_WIDTH)


def capture_chart(kpis_by_run: dict[str, dict], lang: str) -> alt.Chart | None:
    """Sorting runs (e.g. a capture-rate sweep): incineration and food-waste plant capacity needed against the
    food-waste capture rate, one point per run; None with fewer than two such runs."""
    rows = [{"run": run, "capture": 100 * k["food_capture_rate"], "series": t(series, lang), "tpd": k[key]}
            for run, k in kpis_by_run.items() if k.get("food_capture_rate") is not None
            for key, series in (("incineration_capacity_tpd", "capacity"), ("biological_capacity_tpd", "biological_capacity"))
            if k.get(key) is not None]
    if len({row["run"] for row in rows}) < 2:
        return None
    frame = pd.DataFrame(rows).sort_values("capture")
    colour = alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom"),
                       scale=alt.Scale(domain=[t("capacity", lang), t("biological_capacity", lang)], range=["#c0392b", "#1e8449"]))
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("capture:Q", title=t("food_capture_pct", lang)),
        y=alt.Y("tpd:Q", title="t/d", axis=alt.Axis(format=",.0f")), color=colour,
        tooltip=[alt.Tooltip("run:N", title=t("run", lang)), alt.Tooltip("capture:Q", format=".1f", title=t("food_capture_pct", lang)),
                 alt.Tooltip("series:N", title=t("col_series", lang)), alt.Tooltip("tpd:Q", format=",.0f", title="t/d")],
    ).properties(title=t("capture_chart", lang), height=300, autosize=FIT_WIDTH)


def capacity_path_chart(path: list[dict], goal_tpd: float | None, lang: str) -> alt.Chart:
    """Phased plans: capacity and MSW to treat per year (bars), raw MSW landfilled (line), the capacity goal (rule)."""
    frame = pd.DataFrame(path)
    series = {"capacity_tpd": t("capacity", lang), "demand_tpd": t("msw_to_treat", lang),
              "raw_msw_landfill_tpd": t("landfill_tpd", lang)}
    long = frame.melt(id_vars="year", value_vars=list(series), var_name="series", value_name="tpd")
    long["series"] = long["series"].map(series)
    tooltip = [alt.Tooltip("year:O", title=t("col_year", lang)), alt.Tooltip("series:N", title=t("col_series", lang)),
               alt.Tooltip("tpd:Q", format=",.0f", title="t/d")]
    colour = alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom"),
                       scale=alt.Scale(domain=list(series.values()), range=["#c0392b", "#95a5a6", "#2c3e50"]))
    x = alt.X("year:O", title=t("col_year", lang), axis=alt.Axis(labelAngle=0))
    bars = alt.Chart(long[long["series"] != series["raw_msw_landfill_tpd"]]).mark_bar().encode(
        x=x, xOffset="series:N", y=alt.Y("tpd:Q", title="t/d", axis=alt.Axis(format=",.0f")), color=colour, tooltip=tooltip)
    line = alt.Chart(long[long["series"] == series["raw_msw_landfill_tpd"]]).mark_line(point=True).encode(
        x=x, y="tpd:Q", color=colour, tooltip=tooltip)
    layers = [bars, line]
    if goal_tpd:
        goal = pd.DataFrame({"tpd": [goal_tpd], "label": [f"{t('capacity_goal', lang)} {goal_tpd:,.0f} t/d"]})
        layers.append(alt.Chart(goal).mark_rule(color="#1e8449", strokeDash=[6, 4]).encode(
            y="tpd:Q", tooltip=[alt.Tooltip("label:N", title=t("capacity_goal", lang))]))
    return alt.layer(*layers).properties(title=t("capacity_path", lang), height=300, autosize=FIT_WIDTH)


def future_words(futures, lang: str) -> dict[str, str]:
    """Each future's name → the future in words in ``lang`` (its ``name_zh`` / ``name_en``; else the name)."""
    return {f.name: (f.name_zh if lang == "zh" else f.name_en) or f.name_en or f.name for f in futures}


def futures_frame(kpis: dict, lang: str, words: dict[str, str] | None = None) -> pd.DataFrame:
    """A plan for several futures: one row per plan and future (plan and future labels in ``lang``, futures in
    ``words``), with the future's weight, the annual cost (万元/yr) and raw MSW landfilled (t/d)."""
    rows = pd.DataFrame(kpis["futures_outcomes"])
    weight = {f["name"]: f["weight"] for f in kpis["futures"]}
    word = (words or {}).get
    plan = [t("robust_plan", lang) if p == "robust" else t("mean_value_plan", lang) if p == MEAN_VALUE
            else t("plan_for", lang, future=word(p, p)) for p in rows["plan"]]
    return pd.DataFrame({"plan": plan, "future": [word(f, f) for f in rows["future"]],
                         "weight": rows["future"].map(weight),
                         "cost_wan_cny": rows["cost_wan_cny"], "raw_msw_landfill_tpd": rows["raw_msw_landfill_tpd"]})


def futures_solves_frame(kpis: dict, lang: str, words: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per future: its name (in ``words``) and changes in words, weight, own optimum with its proven gap and
    the interval that gap allows (万元/yr)."""
    def interval(row: dict) -> str:
        low, high = row.get("optimum_interval_wan_cny") or (None, None)
        return "—" if high is None else f"{'−∞' if low is None else f'{low:,.0f}'} … {high:,.0f}"

    return pd.DataFrame({
        "future": [(words or {}).get(f["name"], f["name"]) for f in kpis["futures"]],
        "changes": [f.get(f"changes_{lang}") or "—" for f in kpis["futures"]],
        "weight": [f["weight"] for f in kpis["futures"]],
        "optimum_wan_cny": [f["optimum_wan_cny"] for f in kpis["futures"]],
        "gap": ["—" if f.get("optimum_gap") is None else f"{100 * f['optimum_gap']:.2f} %" for f in kpis["futures"]],
        "interval": [interval(f) for f in kpis["futures"]],
    })


def futures_heatmap(frame: pd.DataFrame, column: str, title_key: str, lang: str, scheme: str) -> alt.Chart:
    """Plans × futures coloured by ``column``, each cell with its value ("—": the plan cannot operate there)."""
    order = list(dict.fromkeys(frame["plan"]))
    futures = list(dict.fromkeys(frame["future"]))
    frame = frame.assign(label=["—" if pd.isna(v) else f"{v:,.0f}" for v in frame[column]])
    base = alt.Chart(frame).encode(
        x=alt.X("future:N", sort=futures, title=t("col_future", lang), axis=alt.Axis(labelAngle=-20, labelLimit=0)),
        y=alt.Y("plan:N", sort=order, title=t("col_plan", lang), axis=alt.Axis(labelLimit=0)))  # names whole
    cells = base.mark_rect().encode(
        color=alt.Color(f"{column}:Q", title=None, scale=alt.Scale(scheme=scheme)),
        tooltip=[alt.Tooltip("plan:N", title=t("col_plan", lang)), alt.Tooltip("future:N", title=t("col_future", lang)),
                 alt.Tooltip("weight:Q", title=t("col_weight", lang)),
                 alt.Tooltip(f"{column}:Q", format=",.0f", title=t(title_key, lang))])
    text = base.mark_text(fontSize=12).encode(text="label:N")
    return (cells + text).properties(title=t(title_key, lang), height=60 + 36 * len(order), autosize=FIT_WIDTH)


def run_tags(runs: list[str]) -> dict[str, str]:
    """Short names for the compared runs, in order (the base first): A, B, C …"""
    return {run: chr(ord("A") + i) if i < 26 else f"R{i + 1}" for i, run in enumerate(runs)}


def short_run_columns(frame: pd.DataFrame, tags: dict[str, str], lang: str) -> tuple[pd.DataFrame, dict]:
    """``frame`` with each run's columns (its title, "Δ title", "Δ % title") renamed to its tag, and per renamed
    column (short header, full text for its tooltip): "A · 基准", "B", "Δ B" (B − A), "Δ % B" ((B − A) ÷ A)."""
    base = next(iter(tags))
    renamed, headers = {}, {}
    for run, tag in tags.items():
        texts = {"": (f"{tag} · {t('base_tag', lang)}" if run == base else tag, run),
                 "Δ ": (f"Δ {tag}", f"{run} − {base}"), "Δ % ": (f"Δ % {tag}", f"({run} − {base}) ÷ {base}")}
        for prefix, header in texts.items():
            if f"{prefix}{run}" in frame:
                renamed[f"{prefix}{run}"] = f"{prefix}{tag}"
                headers[f"{prefix}{tag}"] = header
    return frame.rename(columns=renamed), headers


def cd_category_name(key: str, lang: str) -> str:
    """A C&D category of a reconciliation in the page's language ('all': every category)."""
    if key == "all":
        return "合计" if lang == "zh" else "all"
    return NAMES_ZH.get(key, key) if lang == "zh" else key


def cd_headers(columns, lang: str) -> dict[str, str]:
    """A reconciliation table's column titles in the page's language: intake_t_spoil → 接收量 (t) · 工程渣土."""
    headers = {}
    for column in columns:
        match = re.fullmatch(r"(intake_t|intake_m3)_(\w+)", column)
        base, category = match.groups() if match else (column, "")
        label = t(f"cdcol_{base}", lang) if f"cdcol_{base}" in TEXT else column
        headers[column] = f"{label} · {cd_category_name(category, lang)}" if category else label
    return headers
