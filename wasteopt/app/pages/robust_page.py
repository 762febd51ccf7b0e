"""Robustness page: a plan for several futures beside each future's own plan and the mean-value plan, priced in
every future; each derived figure with the interval its solves' gaps allow."""
import streamlit as st

from wasteopt.app import service
from wasteopt.app.state import lang, run_labels, saved_runs
from wasteopt.app.tables import future_words, futures_frame, futures_heatmap, futures_solves_frame
from wasteopt.config.errors import WasteoptError
from wasteopt.reporting.kpi import breaches_text, futures_figure
from wasteopt.reporting.labels import t

L = lang()
st.title(t("page_robust", L))
runs = [r for r in saved_runs() if r.kpis.get("futures")]
if not runs:
    st.info(t("no_robust_run", L))
    st.stop()
labels = run_labels(runs)
chosen = st.selectbox(t("run", L), [r.run_id for r in runs], key="robust_run", format_func=labels.get)
record = next(r for r in runs if r.run_id == chosen)
kpis = record.kpis
try:
    uncertainty = service.saved_scenario(record.scenario_yaml).uncertainty
except WasteoptError:  # a run recorded by another version: its futures keep their ids
    uncertainty = None
words = future_words(uncertainty.futures if uncertainty else [], L)  # the futures in words, not their ids

unbounded = kpis.get("value_of_stochastic_solution_unbounded") or kpis.get("central_plan_breaches")
figures = [("expected_cost_wan_cny", "expected_cost"), ("value_of_stochastic_solution_wan_cny", "vss"),
           *([("policy_premium_wan_cny", "policy_premium")] if unbounded else []),
           ("expected_value_of_perfect_information_wan_cny", "evpi"),
           ("worst_case_raw_msw_landfill_tpd", "worst_landfill")]
for column, (key, label) in zip(st.columns(len(figures)), figures):
    column.metric(t(label, L), futures_figure(kpis, key))
st.caption(t("intervals_note", L))
if unbounded:
    st.warning(t("vss_unbounded", L, breaches=breaches_text(kpis),
                 premium=futures_figure(kpis, "policy_premium_wan_cny")))
if kpis.get("futures_solves_above_gap"):
    asked = kpis.get("rel_gap_asked")
    st.warning(t("futures_unreliable", L, asked="–" if asked is None else f"{100 * asked:.2f} %",
                 solves="; ".join(kpis["futures_solves_above_gap"])))
st.dataframe(futures_solves_frame(kpis, L, words), hide_index=True, column_config={
    "future": t("col_future", L), "changes": t("col_changes", L),
    "weight": st.column_config.NumberColumn(t("col_weight", L), format="%.2f"),
    "optimum_wan_cny": st.column_config.NumberColumn(t("col_optimum", L), format="%.1f"),
    "gap": t("col_gap", L), "interval": t("col_interval", L),
})
st.caption(t("futures_note", L, central=words.get(kpis["central_future"], kpis["central_future"])))

frame = futures_frame(kpis, L, words)
st.altair_chart(futures_heatmap(frame, "cost_wan_cny", "futures_cost", L, "oranges"), width="stretch")
st.altair_chart(futures_heatmap(frame, "raw_msw_landfill_tpd", "futures_landfill", L, "reds"), width="stretch")
st.dataframe(frame, hide_index=True, column_config={
    "plan": t("col_plan", L), "future": t("col_future", L),
    "weight": st.column_config.NumberColumn(t("col_weight", L), format="%.2f"),
    "cost_wan_cny": st.column_config.NumberColumn(t("futures_cost", L), format="%.1f"),
    "raw_msw_landfill_tpd": st.column_config.NumberColumn(t("futures_landfill", L), format="%.0f"),
})
