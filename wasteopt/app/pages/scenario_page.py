"""Scenario page: load or upload a scenario, turn the knobs, see the effective YAML, name the run, solve with
progress (the solve outlives the page), rename and annotate the result."""
import hashlib
import time

import streamlit as st

from wasteopt.app import service
from wasteopt.app.knobs import (OBJECTIVES, SLIDER_RANGES, STEPS, calibration_note, changes_from_knobs, knob_values,
                                line_size_options, reusable_categories, site_choices)
from wasteopt.app.jobs import find_job, start_job
from wasteopt.app.messages import bilingual_error, infeasible_markdown, unserved_table
from wasteopt.app.state import (BASE_RUN, CURRENT_RUN, KNOB_PREFIX, RUN_PREFIX, SESSION_RUNS, lang, remember_run,
                                run_labels, saved_runs, show_error)
from wasteopt.app.tables import goals_table, kpi_table, progress_chart, styled_goals
from wasteopt.config.errors import WasteoptError
from wasteopt.data.region import load_region
from wasteopt.runs.folder import RunFolder
from wasteopt.siting.cd_categories import NAMES_ZH
from wasteopt.config.changes import changes_text, scenario_changes
from wasteopt.reporting.labels import TEXT, markdown_literal, t, unit

L = lang()
st.title(t("page_scenario", L))


def reset_knobs(scenario) -> None:
    """Every knob back to ``scenario``'s value; a knob the scenario has not (another config's category) goes."""
    values = knob_values(scenario)
    for key in [k for k in st.session_state if str(k).startswith(KNOB_PREFIX) and k[len(KNOB_PREFIX):] not in values]:
        del st.session_state[key]
    for name, value in values.items():
        st.session_state[KNOB_PREFIX + name] = value


def use_base(scenario, origin: str) -> None:
    """Make ``scenario`` the one the knobs start from."""
    st.session_state["base"] = scenario
    st.session_state["base_origin"] = origin
    reset_knobs(scenario)
    st.session_state.pop("outcome", None)


shared = st.query_params.get("scenario")  # a share link: the whole scenario in the URL
source = None if shared else st.radio(t("source", L), ["config", "upload"], horizontal=True, key="source",
                                      format_func=lambda s: t(f"source_{s}", L))
try:
    if shared:
        origin = f"share:{hashlib.sha256(shared.encode()).hexdigest()}"
        if st.session_state.get("base_origin") != origin:
            use_base(service.scenario_from_share(shared), origin)
        st.success(t("share_loaded", L, name=st.session_state["base"].name))
        if st.button(t("leave_share", L), key="leave_share"):
            st.query_params.clear()
            st.rerun()
    elif source == "config":
        names = service.config_names()
        default = names.index(service.DEFAULT_CONFIG) if service.DEFAULT_CONFIG in names else 0
        name = st.selectbox(t("config", L), names, index=default, key="config_name")
        if st.session_state.get("base_origin") != f"config:{name}":
            use_base(service.load_config(name), f"config:{name}")
    else:
        upload = st.file_uploader(t("upload", L), type=["yaml", "yml"], key="upload")
        if upload is not None:
            data = upload.getvalue()
            origin = f"upload:{hashlib.sha256(data).hexdigest()}"
            if st.session_state.get("base_origin") != origin:
                use_base(service.scenario_from_upload(data, upload.name), origin)
            st.success(t("upload_loaded", L, name=st.session_state["base"].name))
    base = st.session_state.get("base")
    region = load_region(base) if base is not None else None
except WasteoptError as error:
    show_error(error)
    st.stop()
if base is None:
    st.stop()

st.caption(f"**{markdown_literal(base.name)}** — {markdown_literal(base.description)}")
if not st.session_state.get(SESSION_RUNS):  # nothing solved yet in this session: the way through the app
    st.info(t("first_run", L))


def knob(widget, name: str, label_key: str, **options):
    """The widget of knob ``name``, with its keyboard step and format (knobs.STEPS)."""
    return widget(t(label_key, L), key=KNOB_PREFIX + name, **STEPS.get(name, {}), **options)


def span(name: str, bounds: tuple[float, float] | None = None) -> tuple[float, float]:
    """Slider bounds (default: knobs.SLIDER_RANGES) that always include the scenario's own value."""
    value = st.session_state[KNOB_PREFIX + name]
    low, high = bounds or SLIDER_RANGES[name]
    return min(low, value), max(high, value)


st.subheader(t("knobs", L))
st.button(t("reset_knobs", L), key="reset_knobs", icon=":material/restart_alt:",  # a callback may set widget state
          on_click=reset_knobs, args=(base,))
demand, network, lines, policy = st.columns(4)
with demand:
    st.markdown(f"**{t('demand', L)}**")
    low, high = span("target_year", (base.region.baseline_year, 2040))
    knob(st.slider, "target_year", "target_year", min_value=int(low), max_value=int(high))
    knob(st.number_input, "msw_urban", "msw_urban", min_value=0.0, max_value=10.0)
    knob(st.number_input, "msw_rural", "msw_rural", min_value=0.0, max_value=10.0)
    low, high = span("growth_pct")
    knob(st.slider, "growth_pct", "growth", min_value=low, max_value=high)
    low, high = span("sorted_out_pct")
    knob(st.slider, "sorted_out_pct", "sorted_out", min_value=low, max_value=high)
with network:
    st.markdown(f"**{t('network', L)}**")
    low, high = span("max_haul_km")
    knob(st.slider, "max_haul_km", "max_haul", min_value=low, max_value=high)
with lines:
    st.markdown(f"**{t('incinerator', L)}**")
    knob(st.multiselect, "line_sizes", "line_sizes", options=line_size_options(st.session_state[KNOB_PREFIX + "line_sizes"]),
         format_func=lambda size: f"{size:,.0f} t/d", placeholder=t("choose_sizes", L))
    knob(st.number_input, "max_lines", "max_lines", min_value=1, max_value=20)
    knob(st.number_input, "site_cost", "site_cost", min_value=0.0)
    knob(st.number_input, "line_fixed_cost", "line_fixed_cost", min_value=0.0)
    knob(st.number_input, "line_cost", "line_cost", min_value=0.0)
with policy:
    st.markdown(f"**{t('policy', L)}**")
    capped = knob(st.checkbox, "landfill_capped", "landfill_capped")
    knob(st.number_input, "landfill_cap", "landfill_cap", min_value=0.0, disabled=not capped)
    knob(st.number_input, "min_new", "min_new", min_value=0, value=None)
    knob(st.number_input, "max_new", "max_new", min_value=0, value=None)
    sites = site_choices(region)
    for name in ("locked_open", "locked_closed"):
        chosen = st.session_state[KNOB_PREFIX + name]
        knob(st.multiselect, name, name, options=list(dict.fromkeys([*chosen, *sites])),
             format_func=lambda site: sites.get(site, site), placeholder=t("choose_sites", L))
st.markdown(f"**{t('model_options', L)}**")
objective, cd, sourcing = st.columns([2, 1, 1])
with objective:
    kind = knob(st.selectbox, "objective", "objective", options=list(OBJECTIVES), format_func=lambda k: t(k, L))
    needs_p, needs_radius = kind in ("p_median", "max_coverage"), kind in ("set_cover", "max_coverage")
    knob(st.number_input, "objective_p", "objective_p", min_value=1, value=None, disabled=not needs_p)
    knob(st.number_input, "objective_radius", "objective_radius", min_value=1.0, value=None, disabled=not needs_radius)
with cd:
    enabled = knob(st.checkbox, "cd_enabled", "cd_enabled")
    if not base.cd.by_category:
        low, high = span("cd_reuse_pct")
        knob(st.slider, "cd_reuse_pct", "cd_reuse", min_value=low, max_value=high, disabled=not enabled)
    else:  # each category reads its own share; the single stream's would change nothing
        for category in reusable_categories(base):
            name = NAMES_ZH[category] if L == "zh" else category
            st.slider(t("cd_reuse_category", L, name=name), key=f"{KNOB_PREFIX}cd_reuse_pct_{category}",
                      min_value=0.0, max_value=100.0, disabled=not enabled, **STEPS["cd_reuse_pct"])
with sourcing:
    knob(st.checkbox, "single_sourcing", "single_sourcing")
# what-if: keep a saved run's plants and decide only the flows ("" = site afresh)
fixed_runs = {str(RunFolder(r.out_dir).facilities_file): r for r in saved_runs()}
fixed_labels = run_labels(fixed_runs.values())
current = st.session_state[KNOB_PREFIX + "fixed_plants_file"]
knob(st.selectbox, "fixed_plants_file", "fixed_plan", options=list(dict.fromkeys(["", current, *fixed_runs])),
     help=t("fixed_plan_help", L), format_func=lambda path: t("no_fixed_plan", L) if not path else
     fixed_labels[fixed_runs[path].run_id] if path in fixed_runs else path)

values = {key[len(KNOB_PREFIX):]: value for key, value in st.session_state.items() if str(key).startswith(KNOB_PREFIX)}
try:
    scenario = base.with_changes(changes_from_knobs(values))
except WasteoptError as error:
    show_error(error)
    st.stop()
with demand:  # beside the demand knobs: whether they move the total or the calibration pins it
    st.caption(calibration_note(scenario, region, L))

with st.expander(t("effective_yaml", L)):
    st.code(scenario.to_yaml(), language="yaml")
    st.download_button(t("download_yaml", L), scenario.to_yaml().encode("utf-8"), mime="application/x-yaml",
                       file_name=service.safe_file_stem(scenario.name) + ".yaml", key="download_yaml")
with st.popover(t("share", L), icon=":material/share:"):
    st.caption(t("share_help", L))
    st.download_button(t("download_yaml", L), scenario.to_yaml().encode("utf-8"), mime="application/x-yaml",
                       file_name=service.safe_file_stem(scenario.name) + ".yaml", key="share_yaml")
    st.code(f"{(st.context.url or '').split('?')[0]}?scenario={service.share_token(scenario)}", language=None,
            wrap_lines=True)


st.subheader(t("solve_section", L))
changes = scenario_changes(base, scenario)
st.caption(f"{t('changes_from_config', L)}: {changes_text(changes, L) or t('no_changes', L)}")
name_column, note_column = st.columns([1, 2])
name_column.text_input(t("run_label", L), key=RUN_PREFIX + "label", placeholder=base.name)
note_column.text_input(t("run_note", L), key=RUN_PREFIX + "note")
solve_column, gap_column, limit_column, budget_column = st.columns([1, 1, 1, 3], vertical_alignment="bottom")
knob(gap_column.number_input, "rel_gap_pct", "rel_gap_pct", min_value=0.0, max_value=100.0)
knob(limit_column.number_input, "time_limit", "time_limit", min_value=1.0, max_value=3600.0)
budget_column.markdown(t("time_budget", L, gap=100 * scenario.solver.rel_gap, limit=scenario.solver.time_limit_s))
# a what-if starts from the plan of the base run the planner marks (default: the run on screen); any one-year
# run of this config with its files will do
candidates = {r.run_id: r for r in saved_runs() if service.warm_start_run(r, scenario) is not None}
if candidates:
    if st.session_state.get(BASE_RUN) is None:  # not chosen yet ("" is a chosen cold start): the run on screen
        st.session_state[BASE_RUN] = st.session_state.get(CURRENT_RUN)
    options = ["", *candidates]
    base_labels = run_labels(candidates.values())
    st.session_state[RUN_PREFIX + "base"] = st.session_state[BASE_RUN] if st.session_state[BASE_RUN] in options else ""
    st.selectbox(t("base_run", L), options, key=RUN_PREFIX + "base",
                 format_func=lambda run_id: base_labels.get(run_id, t("no_base_run", L)),
                 on_change=lambda: st.session_state.update({BASE_RUN: st.session_state[RUN_PREFIX + "base"]}))
warm_start = candidates.get(st.session_state.get(BASE_RUN) or "")
if solve_column.button(t("solve", L), type="primary", key="solve"):
    job = start_job(scenario, label=st.session_state.get(RUN_PREFIX + "label", ""), changes=changes,
                    note=st.session_state.get(RUN_PREFIX + "note", ""), warm_start=warm_start)
    st.session_state["job"] = job.job_id
    st.session_state.pop("outcome", None)


def wait_for(job) -> None:
    """Show the running solve (time, best plan and bound, a Stop button) until it ends. Leaving the page ends
    this wait, not the solve: the job id stays in the session and the page, drawn again, picks the job up."""
    holder = st.empty()  # the Stop button, bar, line and chart go when the solve ends
    panel = holder.container()
    if panel.button(t("stop", L), key="stop", icon=":material/stop:"):
        job.watch.stop()
    divisor, unit_text = ((1e4, unit("万元/yr", L)) if scenario.objective.kind == "min_cost"
                          else (1.0, t(scenario.objective.kind, L)))
    bar, line, chart = panel.progress(0.0), panel.empty(), panel.empty()
    shown = -1
    while not job.done():
        elapsed = job.elapsed()
        text = t("stopping", L) if job.watch.stopped else \
            t("solving", L, gap=100 * job.rel_gap, limit=job.time_limit_s, elapsed=elapsed)
        bar.progress(min(elapsed / job.time_limit_s, 0.99), text=text)
        history = list(job.watch.history)
        if history and len(history) != shown:
            shown, last = len(history), history[-1]
            money = (lambda v: "–" if v is None else f"{v / divisor:,.0f} {unit_text}")
            line.caption(t("progress_gap", L, elapsed=last.seconds, best=money(last.best), bound=money(last.bound),
                           gap="–" if last.gap is None else f"{100 * last.gap:.2f} %"))
            chart.altair_chart(progress_chart(history, L, divisor, unit_text), width="stretch")
        time.sleep(0.5)
    holder.empty()


if (job := find_job(st.session_state.get("job"))) is not None:
    wait_for(job)
    st.session_state["outcome"] = job.outcome()
    del st.session_state["job"]

outcome = st.session_state.get("outcome")
if outcome:
    if outcome["hash"] != scenario.content_hash():
        st.info(t("stale_result", L))
    if "error" in outcome:
        st.error(bilingual_error(outcome.get("kind", ""), outcome["error"]))
    elif "infeasible" in outcome:
        st.error(infeasible_markdown(outcome["infeasible"], nodes_in_table=len(outcome["unserved"]) > 0))  # wraps
        if len(outcome["unserved"]):
            st.markdown(f"**{t('unserved_table', L)}**")
            st.dataframe(unserved_table(outcome["unserved"]), hide_index=True)
    elif (record := service.registry().get(outcome["run_id"])) is None:
        st.error(t("run_files_missing", L, run_id=outcome["run_id"], out_dir=service.runs_dir()))
    else:
        remember_run(record)
        kpis = record.kpis
        stopped = "interrupt" in (kpis.get("solver_message") or "").lower()  # the planner pressed Stop
        asked = "–" if kpis.get("rel_gap_asked") is None else f"{100 * kpis['rel_gap_asked']:.2f} %"
        status = t("status_stopped", L) if stopped and kpis["status"] == "time_limit" else (
            t(f"status_{kpis['status']}", L, asked=asked) if f"status_{kpis['status']}" in TEXT else kpis["status"])
        gap = "–" if kpis["gap"] is None else f"{100 * kpis['gap']:.2f} %"
        if outcome["reused"]:
            st.info(t("from_cache", L, run_id=record.run_id))
        message = t("solved", L, status=status, gap=gap, seconds=kpis["solve_seconds"] or 0.0)
        (st.success if kpis["status"] == "optimal" else st.warning)(message)
        st.caption(t("saved_run", L, run_id=record.run_id, out_dir=record.out_dir))
        st.markdown(f"**{markdown_literal(record.title(L))}**" + (f"  \n{markdown_literal(record.note)}" if record.note else ""))
        with st.expander(t("rename_run", L)):
            new_label = st.text_input(t("run_label", L), value=record.label, key=f"rename.label.{record.run_id}")
            new_note = st.text_input(t("run_note", L), value=record.note, key=f"rename.note.{record.run_id}")
            if st.button(t("save_label", L), key=f"rename.save.{record.run_id}"):
                service.registry().rename(record.run_id, label=new_label, note=new_note)
                st.rerun()
        label = record.title(L)
        st.markdown(f"**{t('goals', L)}**")
        st.table(styled_goals(goals_table({label: kpis}, L).set_index(t("goal", L))))
        st.markdown(f"**{t('kpis', L)}**")
        st.table(kpi_table({label: kpis}, L).set_index(t("kpi", L)))
