"""Routes page: rural collection routes of one county from a saved plan (as `wasteopt route --plan` does):
8 t compactors from the county seat, village points to the plants the plan assigns, with trips to unload;
and, when the plan has C&D waste, the county's full-load C&D shuttles (as in `cd_haul.csv`)."""
import streamlit as st

from wasteopt.app import county_routes, service
from wasteopt.app.maps import route_deck
from wasteopt.app.messages import bilingual_error
from wasteopt.app.state import lang, pick_run, run_plan, show_error, tiles, tiles_caption
from wasteopt.config.errors import WasteoptError
from wasteopt.routing.county import CD_LOAD_UNLOAD_H, CD_PAYLOAD_T, CD_SHIFT_H, CD_SPEED_KMH
from wasteopt.reporting.labels import one_language, place, t, unit

L = lang()
st.title(t("page_routes", L))
st.caption(t("routes_intro", L))
record = pick_run(t("routes_run", L), key="routes_run")
layers, region = run_plan(record)
demand = region.demand
county_col, engine_col, limit_col = st.columns([2, 1, 1])
adcode = county_col.selectbox(t("routes_county", L), list(demand.index), key="routes_county",
                              format_func=lambda a: f"{a} · {place(demand.at[a, 'name_zh'], demand.at[a, 'name_en'])}")
engine = engine_col.selectbox(t("routes_engine", L), ["auto", "pyvrp", "ortools"], key="routes_engine",
                              format_func=lambda e: t("engine_auto", L) if e == "auto" else e)
limit = limit_col.number_input(t("routes_time_limit", L), min_value=1.0, max_value=120.0, value=5.0, step=1.0,
                               key="routes_time_limit")

if st.button(t("route", L), type="primary", key="route"):
    with st.spinner(t("routing", L, limit=limit)):
        try:
            st.session_state["route_plan"] = (record.run_id, adcode, county_routes.route_county_of_run(
                record, region, adcode, engine, float(limit)))
        except WasteoptError as error:
            show_error(error)


def show_route_plan(plan) -> None:
    """Trucks, distance, hours, tonnes, cost; the map of trips; the route table and its files."""
    kpis = plan.kpis()
    figures = [(t("route_vehicles", L), f"{kpis['vehicles']}"), (t("route_km", L), f"{kpis['km_per_day']:,.1f} km"),
               (t("route_hours", L), f"{kpis['hours']:,.1f} h"), (t("route_shift_use", L), f"{kpis['shift_use_pct']:.0f} %"),
               (t("route_collected", L), f"{kpis['collected_t']:,.1f} t/d"),
               (t("route_cost", L), f"{kpis['cost_cny_per_t']:,.1f} {unit('CNY/t', L)}"),
               (t("route_dropped", L), f"{kpis['stops_dropped']}")]
    for column, (label, value) in zip(st.columns(len(figures)), figures):
        column.metric(label, value)
    if plan.routes:
        shift = max(plan.shift_hours(r) for r in plan.routes)
        st.info(t("route_fleet_why", L, trucks=kpis["vehicles"], tpd=f"{kpis['collected_t']:,.1f}", trips=kpis["trips"],
                  per_truck=f"{kpis['trips'] / kpis['vehicles']:.1f}", hours=f"{kpis['hours'] / kpis['vehicles']:.1f}",
                  shift=f"{shift:g}", use=f"{kpis['shift_use_pct']:.0f}", payload=f"{plan.problem.vehicle_types[0].capacity[0]:g}"))
    st.caption(t("route_status", L, engine=plan.engine, status=t(f"route_{plan.status}", L), seconds=f"{plan.seconds:.1f}"))
    st.caption(t("routes_on_roads" if plan.road_lines else "routes_straight", L))
    if any(stop.synthetic for stop in plan.problem.stops):
        st.warning(t("routes_synthetic", L))
    for violation in plan.violations[:5]:
        st.error(bilingual_error("RouteCheckError", violation))
    county = region.boundaries[region.boundaries["adcode"] == adcode]
    basemap = tiles()
    st.pydeck_chart(route_deck(plan, county, L, tiles=basemap), height=520, key="route_map")
    tiles_caption(basemap)
    routes = plan.to_frames()["routes"].fillna({"lunch_start": "—"})
    routes["vehicle_type"] = routes["vehicle_type"].map(lambda name: one_language(name, L))
    labels = {"route": "route_no", "vehicle_type": "col_vehicle_type", "vehicle": "col_vehicle", "stops": "col_stops",
              "unloads": "col_unloads", "trips": "col_trips", "km": "col_km", "hours": "col_hours",
              "shift_use_pct": "col_shift_use", "start": "col_start", "end": "col_end",
              "lunch_start": "col_lunch", "cost_cny": "col_cost"}
    st.dataframe(routes, hide_index=True, column_config={
        **{column: t(key, L) for column, key in labels.items()},
        **{f"{u}_km": t("col_load_km", L, unit=u) for u in plan.problem.load_units}})
    for name, path in service.route_files(record, adcode).items():
        st.download_button(f"⬇ {name}", path.read_bytes(), file_name=f"{record.run_id}_{adcode}_{name}",
                           key=f"download_route_{name}")


def show_cd_haul() -> None:
    """The county's C&D shuttles in the plan, when it has C&D waste that travels."""
    haul = county_routes.cd_haul_of_plan(record, layers, adcode)
    if haul.empty:
        return
    st.subheader(t("cd_haul", L))
    st.caption(t("cd_haul_intro", L, payload=CD_PAYLOAD_T, handling=CD_LOAD_UNLOAD_H, speed=CD_SPEED_KMH, shift=CD_SHIFT_H))
    if (haul["km"] == 0).any():
        st.caption(t("cd_same_seat", L))
    table = haul.assign(destination=[place(z, e) for z, e in zip(haul["name_zh"], haul["name_en"])],
                        technology=[t(f"tech_{tech}", L) for tech in haul["technology"]])
    st.dataframe(table[["destination", "technology", "km", "tonnes_per_day", "trips_per_day",
                        "cycle_hours", "trucks_needed_by_origin"]], hide_index=True, column_config={
        "destination": t("cd_destination", L), "technology": t("col_technology", L),
        "km": st.column_config.NumberColumn(t("col_km", L), format="%.1f"),
        "tonnes_per_day": st.column_config.NumberColumn(t("col_tpd", L), format="%.0f"),
        "trips_per_day": st.column_config.NumberColumn(t("cd_trips", L), format="%.0f"),
        "cycle_hours": st.column_config.NumberColumn(t("cd_cycle", L), format="%.2f"),
        "trucks_needed_by_origin": st.column_config.NumberColumn(t("cd_trucks", L), format="%d")})


result = st.session_state.get("route_plan")
if result and result[:2] == (record.run_id, adcode):
    show_route_plan(result[2])
else:
    st.info(t("routes_none", L))
show_cd_haul()
