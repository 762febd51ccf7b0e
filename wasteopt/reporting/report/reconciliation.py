"""The report's C&D reconciliation section (a folder of ``wasteopt cd reconcile --out``): what happened in the period,
the anomalies by kind, a map of them and of yard fill, and each yard's intake and fill against the plan."""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

from wasteopt.reporting.labels import t
from wasteopt.reporting.map_context import add_context
from wasteopt.reporting.report.figures import figure_png, new_figure
from wasteopt.reporting.report.maps import draw_base

if TYPE_CHECKING:  # for annotations only
    from wasteopt.cd.reconcile import Reconciliation
    from wasteopt.data.region import Region
    from wasteopt.reporting.tiles import Basemap

ANOMALY_SHEET = "联单异常 C&D anomalies"
YARD_FILL_SHEET = "消纳场填充 C&D yard fill"
KIND_COLOURS = {"no_arrival": "#7f7f7f", "unlicensed_destination": "#d62728", "dumping_stop": "#8c564b",
                "implausible_speed": "#9467bd", "overload": "#ff7f0e", "duplicate": "#1f77b4"}


def kinds(result: Reconciliation) -> list[str]:
    """The anomaly kinds, in the order kpis.json lists them (``cd.reconcile.ANOMALY_KINDS``)."""
    return list(result.kpis["anomalies"])


def both(key: str, **values) -> str:
    return f"{t(key, 'zh', **values)} {t(key, 'en', **values)}"


def anomaly_table(result: Reconciliation) -> pd.DataFrame:
    """Manifests with each kind of anomaly, and their share of the period's manifests."""
    counts, manifests = result.kpis["anomalies"], result.kpis["manifests"]
    return pd.DataFrame({
        "异常类型 kind": [both(kind) for kind in counts],
        "联单数 manifests": [int(n) for n in counts.values()],
        "占联单 share of manifests (%)": [round(100 * n / manifests, 2) if manifests else None
                                         for n in counts.values()]})


def yard_fill_table(result: Reconciliation, plan_years_left: dict | None = None) -> pd.DataFrame:
    """Per yard of the register: intake in the period against the plan (t/d), volume filled to the period's end,
    fill share and years left at the period's rate; with ``plan_years_left`` (this run's, by site) the plan's."""
    yards = result.sites[result.sites["kind"] == "yard"]
    planned = pd.to_numeric(yards["planned_tpd"], errors="coerce")
    table = pd.DataFrame({
        "场所 site": yards["site_id"].astype(str).to_numpy(), "名称 name": yards["name"].to_numpy(),
        "许可 licensed": yards["licensed"].map({True: "是 yes", False: "否 no"}).to_numpy(),
        "实际进场 actual (t/d)": yards["actual_tpd"].to_numpy(), "规划进场 planned (t/d)": planned.to_numpy(),
        "实际/规划 actual / plan": (yards["actual_tpd"] / planned.where(planned > 0)).round(2).to_numpy(),
        "已填 filled (m³)": yards["filled_m3"].to_numpy(), "库容 volume (m³)": yards["volume_m3"].to_numpy(),
        "填充率 fill (%)": (100 * yards["fill_share"]).round(1).to_numpy(),
        "剩余年限 years left (yr)": yards["years_left"].to_numpy()})
    if plan_years_left:
        table["规划剩余年限 plan: years left (yr)"] = table["场所 site"].map(plan_years_left)
    return table


def map_reconciliation(region: Region, result: Reconciliation, basemap: Basemap | None = None) -> bytes:
    """Anomalies coloured by kind; yards of the register as circles, area ∝ fill share (hollow: unlicensed)."""
    fig = new_figure(8, 8)
    ax = fig.subplots()
    region.boundaries.plot(ax=ax, color="#f4f4f4", edgecolor="#cccccc", linewidth=0.3)
    draw_base(ax, region, basemap)
    region.prefecture_boundaries.boundary.plot(ax=ax, color="#888888", linewidth=0.6)
    yards = result.sites[result.sites["kind"] == "yard"]
    size = 40 + 400 * pd.to_numeric(yards["fill_share"], errors="coerce").fillna(0.0).clip(0, 1)
    licensed = yards["licensed"].astype(bool)
    ax.scatter(yards.loc[licensed, "lon"], yards.loc[licensed, "lat"], s=size[licensed], color="#2ca02c", alpha=0.5,
               edgecolor="black", linewidth=0.5, zorder=3, label=both("cd_site_licensed"))
    ax.scatter(yards.loc[~licensed, "lon"], yards.loc[~licensed, "lat"], s=size[~licensed], facecolor="none",
               edgecolor="#d62728", linewidth=1.2, zorder=3, label=both("cd_site_unlicensed"))
    anomalies = result.anomalies
    for kind in kinds(result):
        rows = anomalies[anomalies["kind"] == kind]
        if len(rows):
            ax.scatter(rows["lon"], rows["lat"], s=14, marker="x", color=KIND_COLOURS[kind], zorder=4,
                       label=f"{both(kind)} ({rows['manifest_id'].nunique()})")
    ax.set_title(both("cd_map"))
    ax.legend(loc="lower left", fontsize=8)
    ax.set_axis_off()
    add_context(ax, region.prefecture_boundaries, region.demand)
    return figure_png(fig)


def reconciliation_html(result: Reconciliation, run_name: str, map_png: str, tables: dict[str, pd.DataFrame],
                        html_table) -> str:
    """The section: period and headline figures, which plan it was held against, the map and the two tables."""
    k = result.kpis

    def share(key: str) -> str:
        return "—" if k.get(key) is None else f"{100 * k[key]:.1f} %"

    plan = k.get("plan")
    against = (f"对照规划 held against plan {html.escape(str(plan))}" if plan else
               "未对照规划（reconcile 时未给 --plan）no plan given to the reconciliation (--plan)")
    if plan and str(plan).rstrip("/").split("/")[-1] != run_name:
        against += f" — 不是本次运行 not this run ({html.escape(run_name)})"
    years = "—" if k.get("yard_min_years_left") is None else f"{k['yard_min_years_left']:,.1f}"
    return (f"<h2>建筑垃圾联单核查 C&amp;D reconciliation: "
            f"{html.escape(both('cd_period', start=k['period_from'], end=k['period_to'], days=k['days']))}</h2>"
            f'<p>{both("cd_manifests")}: {k["manifests"]:,}; {both("cd_hauled")}: {k["hauled_tpd"]:,.1f}; '
            f'{html.escape(both("cd_licensed_share"))}: {share("licensed_share")}; '
            f'{html.escape(both("cd_anomalies"))}: {share("manifests_with_anomaly_share")}; '
            f'{both("cd_years_left")}: {years}.</p>'
            f'<p class="note">{against}. 体积 = 吨 ÷ 各类别密度 volume = t ÷ each category\'s density; 剩余年限按核查期的'
            f'进场速度 years left at the period\'s intake rate.</p>{map_png}'
            f'<h3>异常（按类型）Anomalies by kind</h3>{html_table(tables[ANOMALY_SHEET])}'
            f'<h3>消纳场：实际与规划 Yards: actual vs plan</h3>{html_table(tables[YARD_FILL_SHEET])}')
