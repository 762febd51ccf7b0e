"""Robustness page: a plan for several futures beside each future's own plan, priced in every future."""
import streamlit as st

from wasteopt.app.state import lang, run_labels, saved_runs
from wasteopt.app.tables import futures_frame, futures_heatmap
from wasteopt.kpi import breaches_text, futures_figure
from wasteopt.ui_text import t

L = lang()
st.title(t("page_robust", L))
runs = [r for r in saved_runs() if r.kpis.get("futures")]
if not runs:
    st.info(t("no_robust_run", L))
    st.stop()
labels = run_labels(runs)
chosen = st.selectbox(t("run", L), [r.run_id for r in runs], key="robust_run", format_func=labels.get)
kpis = next(r for r in runs if r.run_id == chosen).kpis

breaches = kpis.get("central_plan_breaches")  # the central plan breaks the policy: VSS ∞, the premium shown
figures = [("expected_cost_wan_cny", "expected_cost"), ("value_of_stochastic_solution_wan_cny", "vss"),
           *([("policy_premium_wan_cny", "policy_premium")] if breaches else []),
           ("expected_value_of_perfect_information_wan_cny", "evpi"),
           ("worst_case_raw_msw_landfill_tpd", "worst_landfill")]
for column, (key, label) in zip(st.columns(len(figures)), figures):
    column.metric(t(label, L), futures_figure(kpis, key))
if breaches:
    st.warning(t("vss_unbounded", L, breaches=breaches_text(kpis),
                 premium=futures_figure(kpis, "policy_premium_wan_cny")))
st.caption(t("futures_note", L, central=kpis["central_future"]))

frame = futures_frame(kpis, L)
st.altair_chart(futures_heatmap(frame, "cost_wan_cny", "futures_cost", L, "oranges"), width="stretch")
st.altair_chart(futures_heatmap(frame, "raw_msw_landfill_tpd", "futures_landfill", L, "reds"), width="stretch")
st.dataframe(frame, hide_index=True, column_config={
    "plan": t("col_plan", L), "future": t("col_future", L),
    "weight": st.column_config.NumberColumn(t("col_weight", L), format="%.2f"),
    "cost_wan_cny": st.column_config.NumberColumn(t("futures_cost", L), format="%.1f"),
    "raw_msw_landfill_tpd": st.column_config.NumberColumn(t("futures_landfill", L), format="%.0f"),
})
