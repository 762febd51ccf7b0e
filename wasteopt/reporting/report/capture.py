"""A sweep over food-waste capture: the incineration capacity each capture rate needs, as capture.png,
capture.csv and capture.html in the sweep's folder."""
from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from wasteopt.config.status import PLAN_STATUSES
from wasteopt.reporting.report.figures import figure_png, new_figure, setup_fonts
from wasteopt.reporting.report.page import CSS, html_table, img
from wasteopt.config.writers import write_bytes, write_csv, write_text


CAPTURE_COLUMNS = {  # the capture table of a sorting sweep: KPI → 中文 English (unit)
    "food_capture_rate": "厨余垃圾分出率 food-waste capture (%)",
    "incineration_capacity_tpd": "焚烧处理能力 incineration capacity (t/d)",
    "biological_capacity_tpd": "厨余垃圾处理能力 food-waste plant capacity (t/d)",
    "residual_incinerated_tpd": "其他垃圾焚烧量 residual waste incinerated (t/d)",
    "residual_lhv_kj_per_kg": "其他垃圾低位热值 residual LHV (kJ/kg)",
    "cost_wan_cny_per_year": "系统年成本 system cost (万元/yr)",
    "resource_utilisation_pct": "资源化利用率 resource utilisation (%)",
    "recycling_pct": "回收利用率 recycling rate (%)",
    "gap": "MIP 差距 gap (%)",
}


def capture_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Solved sorting runs (one row each, KPI columns) ordered by food-waste capture, shares in %."""
    solved = runs[runs["status"].isin(PLAN_STATUSES) & runs["food_capture_rate"].notna()]
    table = solved[[c for c in CAPTURE_COLUMNS if c in solved]].astype(float).sort_values("food_capture_rate")
    table["food_capture_rate"] *= 100
    if "gap" in table:
        table["gap"] *= 100
    return table.rename(columns=CAPTURE_COLUMNS).reset_index(drop=True)


def chart_capacity_vs_capture(table: pd.DataFrame) -> bytes:
    """Incineration capacity needed (and food-waste plant capacity) against the food-waste capture rate."""
    x = table[CAPTURE_COLUMNS["food_capture_rate"]]
    fig = new_figure(7, 4.2)
    ax = fig.subplots()
    ax.plot(x, table[CAPTURE_COLUMNS["incineration_capacity_tpd"]], "o-", color="#c0392b",
            label="焚烧处理能力 incineration capacity")
    ax.plot(x, table[CAPTURE_COLUMNS["biological_capacity_tpd"]], "s--", color="#1e8449",
            label="厨余垃圾处理能力 food-waste plants")
    ax.set_xlabel(CAPTURE_COLUMNS["food_capture_rate"])
    ax.set_ylabel("能力 capacity (t/d)")
    ax.set_title("焚烧能力需求与厨余垃圾分出率 Incineration capacity needed vs food-waste capture rate", fontsize=10)
    ax.yaxis.set_major_formatter(lambda value, _: f"{value:,.0f}")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend()
    return figure_png(fig)


def write_capture_report(runs: pd.DataFrame, out: Path, title: str) -> dict[str, Path]:
    """capture.png, capture.csv and capture.html for a sweep over food-waste capture; none with fewer than two
    solved sorting runs."""
    table = capture_table(runs) if "food_capture_rate" in runs else pd.DataFrame()
    if len(table) < 2:
        return {}
    setup_fonts()
    png = chart_capacity_vs_capture(table)
    files = {"capture_png": out / "capture.png", "capture_csv": out / "capture.csv", "capture_html": out / "capture.html"}
    write_bytes(files["capture_png"], png)
    write_csv(files["capture_csv"], table)
    page = (f'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{CSS}</style></head><body><h1>{html.escape(title)}</h1>"
            "<h2>焚烧能力需求与厨余垃圾分出率 Incineration capacity needed vs food-waste capture rate</h2>"
            f"{img(png, 'capacity vs capture')}{html_table(table)}"
            '<p class="note">每行一个已求解的情景；分出率 = 分出的厨余垃圾 / 生活垃圾中的全部厨余垃圾。 '
            "One solved variant per row; capture = food waste sorted out / all food waste in the MSW.</p></body></html>")
    write_text(files["capture_html"], page)
    return files
