"""The report's charts: capacity vs demand per prefecture, a phased plan's capacity path, the futures heat maps."""
from __future__ import annotations

import numpy as np
import pandas as pd

from wasteopt.reporting.report.figures import figure_png, new_figure
from wasteopt.reporting.report.names import plan_label


def chart_capacity_vs_demand(table: pd.DataFrame) -> bytes:
    fig = new_figure(10, 4.5)
    ax = fig.subplots()
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["待处理量 MSW to treat (t/d)"], 0.4, label="待处理量 MSW to treat", color="#95a5a6")
    ax.bar(x + 0.2, table["焚烧能力 capacity (t/d)"], 0.4, label="焚烧能力 incineration capacity", color="#c0392b")
    ax.set_xticks(x, table["市 prefecture"], rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("能力 / 需求 capacity / demand (t/d)")
    ax.set_title("分市能力与需求 Capacity vs demand per prefecture")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    return figure_png(fig)


def chart_capacity_path(table: pd.DataFrame, goal_tpd: float | None) -> bytes:
    """Capacity and MSW to treat per year as bars, raw MSW landfilled as a line, the capacity goal dashed."""
    fig = new_figure(8, 4.5)
    ax = fig.subplots()
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["待处理量 MSW to treat (t/d)"], 0.4, label="待处理量 MSW to treat", color="#95a5a6")
    ax.bar(x + 0.2, table["焚烧能力 capacity (t/d)"], 0.4, label="焚烧能力 incineration capacity", color="#c0392b")
    ax.plot(x, table["原生垃圾填埋 raw MSW landfilled (t/d)"], "o-", color="#2c3e50", label="原生垃圾填埋 raw MSW landfilled")
    if goal_tpd:
        ax.axhline(goal_tpd, color="#1e8449", linestyle="--", label=f"能力目标 capacity goal {goal_tpd:,.0f}")
    ax.set_xticks(x, table["年份 year"].astype(str))
    ax.set_ylabel("t/d")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.set_title("逐年能力路径 Capacity path by year")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return figure_png(fig)


def chart_futures(kpis: dict) -> bytes:
    """Heat maps plan × future: annual cost (万元/yr) and raw MSW landfilled (t/d), values written in."""
    rows = pd.DataFrame(kpis["futures_outcomes"])
    plans, futures = list(dict.fromkeys(rows["plan"])), [f["name"] for f in kpis["futures"]]
    fig = new_figure(11, 1.2 + 0.9 * len(plans))
    axes = fig.subplots(1, 2)
    for ax, column, title, cmap in ((axes[0], "cost_wan_cny", "年成本 annual cost (万元/yr)", "Oranges"),
                                    (axes[1], "raw_msw_landfill_tpd", "原生垃圾填埋 raw MSW landfilled (t/d)", "Reds")):
        grid = rows.pivot(index="plan", columns="future", values=column).reindex(index=plans, columns=futures)
        values = grid.to_numpy(float)
        ax.imshow(np.nan_to_num(values, nan=np.nanmax(values) if np.isfinite(values).any() else 0.0), cmap=cmap,
                  aspect="auto")
        low, high = (np.nanmin(values), np.nanmax(values)) if np.isfinite(values).any() else (0.0, 0.0)
        for (i, j), value in np.ndenumerate(values):
            dark = high > low and value > low + 0.6 * (high - low)  # white on the darkest cells
            ax.text(j, i, "—" if np.isnan(value) else f"{value:,.0f}", ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")
        ax.set_xticks(range(len(futures)), futures, rotation=30, ha="right", fontsize=8)
        ax.set_yticks(range(len(plans)), [plan_label(p) for p in plans] if ax is axes[0] else [""] * len(plans),
                      fontsize=8)
        ax.set_title(title, fontsize=10)
    return figure_png(fig)
