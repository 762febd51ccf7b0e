"""Compare page: a base run and the others against it (KPIs with Δ and Δ %, cost differences inside the proven
gaps marked, goals, CSV), difference charts, and a map of what differs between two runs."""
import streamlit as st

from wasteopt.app.maps import diff_deck, diff_legend
from wasteopt.app.state import (BASE_RUN, SESSION_RUNS, lang, run_labels, run_layers, run_region, saved_runs,
                                run_roads, show_error, tiles, tiles_caption)
from wasteopt.app.tables import (balance_chart, capture_chart, delta_table, goals_table, kpi_delta_bar, prefecture_balance,
                                 run_tags, short_run_columns, styled_goals)
from wasteopt.reporting.compare import delta_and_goals_frame
from wasteopt.config.errors import WasteoptError
from wasteopt.config.writers import csv_bytes
from wasteopt.reporting.labels import markdown_literal, t

L = lang()
st.title(t("page_compare", L))
runs = {r.run_id: r for r in saved_runs()}
if not runs:
    st.info(t("no_run", L))
    st.stop()
mine = [run_id for run_id in st.session_state.get(SESSION_RUNS, []) if run_id in runs]
marked = st.session_state.get(BASE_RUN)
default = mine[-2:] if len(mine) >= 2 else list(runs)[:2]
if marked in runs and len(runs) > 1:  # the base run the planner marked first, then this session's latest other run
    default = [marked, *[run_id for run_id in (mine or list(runs)) if run_id != marked][-1:]]
labels = run_labels(runs.values())
chosen = st.multiselect(t("pick_runs", L), list(runs), default=default, key="compare_runs", format_func=labels.get,
                        placeholder=t("choose_runs", L))
if len(chosen) < 2:
    st.info(t("pick_two", L))
    st.stop()

base_id = st.selectbox(t("compare_base", L), chosen, index=chosen.index(marked) if marked in chosen else 0,
                       key="compare_base", format_func=labels.get)
chosen = [base_id, *(run_id for run_id in chosen if run_id != base_id)]
# columns and legends show titles; a title two runs share gets the run id
titles = [runs[run_id].title(L) for run_id in chosen]
names = {run_id: title if titles.count(title) == 1 else f"{title} · {run_id}" for run_id, title in zip(chosen, titles)}
kpis = {names[run_id]: runs[run_id].kpis for run_id in chosen}
base = names[base_id]
tags = run_tags(list(kpis))  # the tables' short column titles; the full titles here and in the headers' tooltips
st.caption("  \n".join(f"**{tags[names[run_id]]}** = {markdown_literal(names[run_id])} · {run_id}"
                       + (f" — {markdown_literal(runs[run_id].note)}" if runs[run_id].note else "") for run_id in chosen))


def short_table(frame):
    """A run table with short column titles (A · base, B, Δ B, Δ % B), the full text in each header's tooltip."""
    frame, headers = short_run_columns(frame, tags, L)
    return frame, {column: st.column_config.Column(short, help=full) for column, (short, full) in headers.items()}


st.subheader(t("goals", L))
goals, columns = short_table(goals_table(kpis, L))
st.dataframe(styled_goals(goals), hide_index=True, column_config=columns)
st.subheader(t("kpis", L))
deltas, columns = short_table(delta_table(kpis, base, L))
st.dataframe(deltas, hide_index=True, column_config=columns, height=35 * (len(deltas) + 1) + 3)
st.download_button(f"⬇ {t('download_compare', L)}", csv_bytes(delta_and_goals_frame(kpis, base)),
                   file_name="wasteopt_compare.csv", mime="text/csv", key="download_compare")  # BOM: Excel reads 汉字

try:
    layers = {names[run_id]: run_layers(runs[run_id]) for run_id in chosen}
    region = run_region(runs[chosen[0]])
except (WasteoptError, OSError) as error:
    show_error(error)
    st.stop()
st.altair_chart(balance_chart(prefecture_balance(layers), L), width="stretch")
capture = capture_chart(kpis, L)  # runs with waste sorting, e.g. the variants of configs/sweeps/henan-sorting.yaml
if capture is not None:
    st.altair_chart(capture, width="stretch")
KPI_BARS = [  # (KPI, title, scale, number format), three per row
    ("raw_msw_landfill_tpd", "landfill_tpd", 1.0, ",.0f"), ("incineration_capacity_tpd", "capacity_tpd", 1.0, ",.0f"),
    ("mean_utilisation", "utilisation_pct", 100.0, ".1f"), ("t_km_per_day", "t_km", 1.0, ",.0f"),
    ("cost_wan_cny_per_year", "cost", 1.0, ",.0f"), ("co2e_t_per_year", "co2e", 1.0, ",.0f"),
]
for row in range(0, len(KPI_BARS), 3):
    for column, (key, title, scale, number_format) in zip(st.columns(3), KPI_BARS[row:row + 3]):
        column.altair_chart(kpi_delta_bar(kpis, base, key, title, L, scale, number_format), width="stretch")
st.caption(t("delta_note", L))

st.subheader(t("diff_map", L))
left, right = st.columns(2)
# keyed by the runs in base-first order: a new base on this page starts the map from it, not from an earlier choice
runs_key = "|".join(chosen)
left_run = left.selectbox(t("diff_base", L), list(kpis), index=0, key=f"diff_base:{runs_key}")
right_run = right.selectbox(t("diff_other", L), list(kpis), index=1, key=f"diff_other:{runs_key}")
basemap, roads = tiles(), run_roads(runs[chosen[0]])
st.pydeck_chart(diff_deck(layers[left_run], layers[right_run], region.prefecture_boundaries, L, tiles=basemap,
                          roads=roads, links=region.seat_links), height=560, key="diff_map")
tiles_caption(basemap)
st.markdown(diff_legend(L, roads=roads is not None and len(roads) > 0), unsafe_allow_html=True)
