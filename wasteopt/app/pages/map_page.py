"""Map page: counties coloured by the plant serving them, plants sized by capacity, flows, prefectures."""
import pandas as pd
import streamlit as st

from wasteopt.app.maps import plan_deck, plan_legend
from wasteopt.app.state import lang, pick_run, run_plan, run_roads, tiles, tiles_caption
from wasteopt.app.tables import capacity_path_chart
from wasteopt.reporting.kpi import capacity_goal_tpd
from wasteopt.reporting.labels import place, t

L = lang()
st.title(t("page_map", L))
record = pick_run(t("run", L), key="map_run")
layers, region = run_plan(record)

basemap, roads = tiles(), run_roads(record)
st.pydeck_chart(plan_deck(layers, region.prefecture_boundaries, region.landfills, L, tiles=basemap, roads=roads,
                          links=region.seat_links),
                height=640, key="plan_map")
tiles_caption(basemap)
st.markdown(plan_legend(L, roads=roads is not None and len(roads) > 0), unsafe_allow_html=True)
if record.kpis.get("capacity_path"):  # a phased plan: how capacity grows year by year
    chart = capacity_path_chart(record.kpis["capacity_path"], capacity_goal_tpd(record.kpis), L)
    st.altair_chart(chart, width="stretch")

plants = layers["plants"]
table = plants.assign(name=[place(z, e) for z, e in zip(plants["name_zh"], plants["name_en"])])
YEARS = [column for column in ("year_built", "year_complete") if column in table]  # phased plans
table = table[["name", "status", "capacity_tpd", "throughput_tpd", "raw_msw_tpd", "utilisation", *YEARS]]
table = table.assign(status=[t(s, L) if tech in ("incinerator", "landfill") else f"{t(tech, L)} · {s}"
                             for s, tech in zip(table["status"], plants["technology"])])
table = table.sort_values("capacity_tpd", ascending=False)
for column in YEARS:  # plants there before the first year have none
    table[column] = ["—" if pd.isna(year) else f"{year:.0f}" for year in table[column]]
st.markdown(f"**{t('facilities', L)}**")
st.dataframe(table, hide_index=True, column_config={
    "name": t("facilities", L), "status": st.column_config.TextColumn(t("col_status", L)),
    "capacity_tpd": st.column_config.NumberColumn(f"{t('capacity', L)} (t/d)", format="%.0f"),
    "throughput_tpd": st.column_config.NumberColumn(t("col_throughput", L), format="%.0f"),
    "raw_msw_tpd": st.column_config.NumberColumn(t("col_raw_msw", L), format="%.0f"),
    "utilisation": st.column_config.ProgressColumn(t("col_utilisation", L), min_value=0.0, max_value=1.0,
                                                   format="percent"),
    "year_built": st.column_config.TextColumn(t("col_year_built", L)),
    "year_complete": st.column_config.TextColumn(t("col_year_complete", L)),
})
