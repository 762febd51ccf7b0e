"""UI strings of the planner's app in 中文 and English, and how place names are shown."""
from __future__ import annotations

import re

from wasteopt.config.userfiles import printable

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"

# key: (中文, English). Units stay in the label so they are always on screen.
TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("河南垃圾焚烧设施规划", "Henan waste-to-energy planner"),
    "language": ("语言 / Language", "语言 / Language"),
    "page_scenario": ("情景与求解", "Scenario & solve"),
    "page_map": ("地图", "Map"),
    "page_compare": ("方案比较", "Compare"),
    "page_export": ("导出", "Export"),
    # scenario page
    "source": ("情景来源", "Scenario source"),
    "source_config": ("configs/ 中的配置", "a config in configs/"),
    "source_upload": ("上传 YAML", "upload a YAML"),
    "config": ("配置文件", "config file"),
    "upload": ("情景 YAML（≤ 1 MB）", "scenario YAML (≤ 1 MB)"),
    "upload_loaded": ("已载入上传的情景：{name}", "uploaded scenario loaded: {name}"),
    "knobs": ("规划参数", "planning knobs"),
    "first_run": ("**第一次使用？** ① 在上方选择情景 → ② 点击下方「求解」→ ③ 在「地图」页查看方案 → "
                  "④ 回到这里改动一个参数，再求解 → ⑤ 在「方案比较」页对比两次结果",
                  "**First time here?** ① pick a scenario above → ② press Solve below → ③ see the plan on the Map "
                  "page → ④ come back, change one knob and solve again → ⑤ compare the two on the Compare page"),
    "reset_knobs": ("恢复为配置的取值", "reset to the config"),
    "share": ("分享此情景", "share this scenario"),
    "share_help": ("下载 YAML，或复制下面的链接：打开链接即在本应用中载入同一情景（所有参数都在链接里）。",
                   "download the YAML, or copy the link below: opening it loads the same scenario in this app "
                   "(every setting is in the link)."),
    "share_link": ("分享链接", "share link"),
    "share_loaded": ("已载入分享的情景：{name}", "shared scenario loaded: {name}"),
    "leave_share": ("改用 configs/ 中的配置或上传", "use a config or an upload instead"),
    "demand": ("需求", "demand"),
    "network": ("运输", "haulage"),
    "incinerator": ("焚烧线", "incineration lines"),
    "policy": ("政策", "policy"),
    "target_year": ("目标年份", "target year"),
    "calibration_held": (
        "校准：清运量 × {factor:.4f}（按 {year} 年观测 {observed:,.0f} t/d 一次拟合后固定）；人均产生量、清运率和增长率改变总量："
        "本情景 {year} 年 {modelled:,.0f} t/d，{target_year} 年 {total:,.0f} t/d。",
        "Calibration: collected MSW × {factor:.4f} (fitted once to the observed {observed:,.0f} t/d of {year}, then "
        "held); per-capita rates, collection rates and growth change the total: this scenario {modelled:,.0f} t/d "
        "in {year}, {total:,.0f} t/d in {target_year}."),
    "calibration_fitted": (
        "校准覆盖人均产生量和增长率：总量每次重新拟合为 {year} 年观测的 {observed:,.0f} t/d（× {factor:.4f}），这些参数只改变"
        "各县之间的分配；{target_year} 年 {total:,.0f} t/d。",
        "Calibration overrides the per-capita rates and growth: the total is refitted every run to the observed "
        "{observed:,.0f} t/d of {year} (× {factor:.4f}), so these knobs only move MSW between counties; "
        "{total:,.0f} t/d in {target_year}."),
    "calibration_none": ("未校准：清运量 = 人口 × 人均产生量 × 清运率 × 增长；{target_year} 年 {total:,.0f} t/d。",
                         "No calibration: collected MSW = population × per-capita rate × collection rate × growth; "
                         "{total:,.0f} t/d in {target_year}."),
    "msw_urban": ("城镇人均产生量 (kg/人·日)", "urban per-capita MSW (kg/person·day)"),
    "msw_rural": ("农村人均产生量 (kg/人·日)", "rural per-capita MSW (kg/person·day)"),
    "growth": ("年增长率 (%/年)", "growth (%/yr)"),
    "sorted_out": ("分类分流比例 (%)", "sorted-out share (%)"),
    "max_haul": ("最大运距 (km)", "max haul (km)"),
    "line_sizes": ("焚烧线规格 (t/d)", "line sizes (t/d)"),
    "max_lines": ("每厂最多焚烧线数", "max lines per site"),
    "site_cost": ("新厂址固定成本 (万元)", "new site fixed cost (万元)"),
    "line_fixed_cost": ("每条线固定成本 (万元)", "fixed cost per line (万元)"),
    "line_cost": ("单位能力成本 (万元/(t/d))", "cost per capacity (万元 per t/d)"),
    "landfill_capped": ("限制原生垃圾填埋量", "cap raw MSW landfill"),
    "landfill_cap": ("原生垃圾填埋上限 (t/d)", "raw MSW landfill cap (t/d)"),
    "min_new": ("新建厂最少数量（空 = 不限）", "min new plants (empty = none)"),
    "max_new": ("新建厂最多数量（空 = 不限）", "max new plants (empty = none)"),
    "locked_open": ("强制启用的厂址", "sites locked open"),
    "locked_closed": ("禁止使用的厂址", "sites locked closed"),
    "time_limit": ("求解时间上限 (s)", "solver time limit (s)"),
    "model_options": ("模型选项", "Model options"),
    "objective": ("优化目标", "objective"),
    "objective_p": ("厂数 p（含现有厂）", "plants p (existing included)"),
    "objective_radius": ("服务半径 (km)", "service radius (km)"),
    "min_cost": ("总成本最低", "least cost"),
    "p_median": ("p 中位：运输量最小", "p-median: least t·km"),
    "set_cover": ("集合覆盖：厂数最少", "set cover: fewest plants"),
    "max_coverage": ("最大覆盖：覆盖量最多", "max coverage: most t/d covered"),
    "single_sourcing": ("每县只送一个厂（单一来源）", "each county to one plant (single sourcing)"),
    "cd_enabled": ("纳入建筑垃圾（C&D）", "include C&D waste"),
    "cd_reuse": ("建筑垃圾就地利用上限 (%)", "C&D on-site reuse, at most (%)"),
    "cd_reuse_category": ("{name}就地利用上限 (%)", "{name}: on-site reuse, at most (%)"),
    "effective_yaml": ("当前生效的情景 YAML", "effective scenario YAML"),
    "download_yaml": ("下载情景 YAML", "download scenario YAML"),
    "solve": ("求解", "Solve"),
    "solving": ("求解中……直至已证明差距 ≤ {gap:g} % 或 {limit:g} s：已用 {elapsed:.0f} s",
                "solving … until proven gap ≤ {gap:g} % or {limit:g} s: {elapsed:.0f} s so far"),
    "solve_section": ("求解", "Solve"),
    "progress_best": ("最好方案", "best plan"),
    "progress_bound": ("已证明的下界", "proven bound"),
    "progress_seconds": ("求解时间 (s)", "solve time (s)"),
    "progress_title": ("求解进度：最好方案与下界", "progress: best plan and bound"),
    "progress_gap": ("第 {elapsed:.0f} s 的进展：最好方案 {best} · 下界 {bound} · 差距 {gap}",
                     "as of {elapsed:.0f} s: best {best} · bound {bound} · gap {gap}"),
    "stop": ("停止并保留最好方案", "Stop, keep the best plan"),
    "stopping": ("正在停止……", "stopping …"),
    "warm_start": ("从运行 {title} 的方案出发（热启动）", "start from the plan of run {title} (warm start)"),
    "base_run": ("基准运行（热启动从它出发，方案比较以它为基准）",
                 "base run (the solve starts from its plan; Compare measures against it)"),
    "no_base_run": ("无（冷启动）", "none (cold start)"),
    "time_budget": ("求解至已证明差距 ≤ {gap:g} % 或 {limit:g} s（先到为准）",
                    "solves until the proven gap is ≤ {gap:g} % or {limit:g} s have passed, whichever comes first"),
    "rel_gap_pct": ("目标差距 (%)", "target gap (%)"),
    "run_label": ("运行名称", "run name"),
    "run_note": ("备注", "note"),
    "rename_run": ("修改名称与备注", "rename / note"),
    "save_label": ("保存", "Save"),
    "changes_from_config": ("相对配置的改动", "changes from the config"),
    "no_changes": ("无（与配置相同）", "none (as the config)"),
    "solved": ("求解完成：{status}，差距 {gap}，用时 {seconds:.1f} s", "solved: {status}, gap {gap}, {seconds:.1f} s"),
    "from_cache": ("与已有运行 {run_id} 的情景相同，直接使用其结果。", "same scenario as run {run_id}: its result is reused."),
    "status_optimal": ("最优（已证明差距 ≤ 0.01 %）", "optimal (proven gap ≤ 0.01 %)"),
    "status_gap_reached": ("达到设定的差距 {asked}（已证明）", "stopped at the gap asked for, {asked} (proven)"),
    "status_time_limit": ("达到时间上限：未证明最优的最好方案（显示已证明的差距）",
                          "time limit reached: the best plan found, not proven optimal (proven gap shown)"),
    "status_ended_early": ("方法在时间上限前结束：最好方案未达设定差距（显示已证明的差距）",
                           "the method ended before the time limit: the best plan, above the gap asked (proven gap shown)"),
    "status_no_plan": ("时间上限内未找到方案（也未证明不可行）", "no plan within the time limit (none proven impossible)"),
    "status_infeasible": ("不可行（已证明）", "infeasible (proven)"),
    "status_error": ("求解出错", "solver error"),
    "status_stopped": ("已停止（保留最好方案，显示已证明的差距）", "stopped (best plan kept; proven gap shown)"),
    "stale_result": ("参数已改动：以下是上次求解的结果，请重新求解。", "Knobs changed since this result: press Solve again."),
    "saved_run": ("已保存为运行 {run_id}：{out_dir}", "saved as run {run_id}: {out_dir}"),
    "unserved_table": ("无法服务的需求", "demand that cannot be served"),
    "kpis": ("关键指标", "key figures"),
    "goals": ("河南“十四五”目标", "Henan 14th five-year plan goals"),
    "met": ("达成", "met"),
    "not_met": ("未达成", "not met"),
    "no_run": ("还没有求解结果：请先在“情景与求解”页面求解，或在“方案比较”中选择已保存的运行。",
               "No plan yet: solve one on the Scenario page, or pick a saved run on Compare."),
    # KPI table columns
    "kpi": ("指标", "KPI"),
    "value": ("数值", "value"),
    "unit": ("单位", "unit"),
    "goal": ("目标", "goal"),
    "landfills_assumed_note": ("（{total} 座中 {assumed} 座为假设：每县一座，位于县城；region.landfills_file 可换成实际名单）",
                               " ({assumed} of the {total} are assumed, one per county seat; a landfill file, "
                               "region.landfills_file, replaces them)"),
    "target": ("目标值", "target"),
    # map page
    "run": ("运行", "run"),
    "legend": ("图例", "legend"),
    "existing": ("现有焚烧厂", "existing plant"),
    "expanded": ("扩建焚烧厂", "expanded plant"),
    "new": ("新建焚烧厂", "new plant"),
    "landfill": ("仍接收原生垃圾的填埋场", "landfill still taking raw MSW"),
    "stopped": ("停用的填埋场", "stopped landfill"),
    "landfill_running": ("仍接收原生垃圾的填埋场", "landfill still taking raw MSW"),
    "landfill_stopped": ("停用的填埋场", "stopped landfill"),
    "landfill_restored": ("停用并生态封场的填埋场", "stopped and restored landfill"),
    "flow": ("运输流向（线宽 ∝ t/d）", "flows (width ∝ t/d)"),
    "county_fill": ("县区按服务它的厂着色", "counties coloured by the plant serving them"),
    "prefecture_line": ("地级市边界", "prefecture boundary"),
    "seat_network": ("县城连线（相邻县）", "county-seat network (neighbouring counties)"),
    "size_note": ("圆点面积 ∝ 处理能力 (t/d)", "dot area ∝ capacity (t/d)"),
    "road_motorway": ("高速公路", "motorway"),
    "road_trunk": ("干线公路（国道等）", "trunk road"),
    "road_primary": ("主干道", "primary road"),
    "tiles": ("在线底图瓦片（可选）", "online basemap tiles (optional)"),
    "tiles_help": ("XYZ 瓦片地址模板，如 https://…/{z}/{x}/{y}.png（可用您有密钥的服务商）。留空则不用在线底图："
                   "地图只用随附的县区、地级市边界和名称，无需网络。也可用环境变量 WASTEOPT_TILES 设定。",
                   "an XYZ tile URL template such as https://…/{z}/{x}/{y}.png (e.g. a provider you hold a key for). "
                   "Empty: no online basemap — the maps draw only the shipped counties, prefecture boundaries and "
                   "names, and need no network. The environment variable WASTEOPT_TILES sets it too."),
    "tiles_bad": ("底图地址须以 http:// 或 https:// 开头，且 {{z}}、{{x}}、{{y}} 各出现一次；已不用底图：{url}",
                  "a tile URL must start with http:// or https:// and hold {{z}}, {{x}} and {{y}} once each; "
                  "no basemap drawn: {url}"),
    "tiles_source": ("底图瓦片：{host}（请遵守其使用条款与署名要求）", "basemap tiles: {host} (mind its terms and attribution)"),
    "facilities": ("设施", "facilities"),
    "col_status": ("状态", "status"),
    "col_throughput": ("处理量 (t/d)", "throughput (t/d)"),
    "col_raw_msw": ("其中原生垃圾 (t/d)", "of which raw MSW (t/d)"),
    "col_utilisation": ("负荷率", "utilisation"),
    # compare page
    "pick_runs": ("选择要比较的运行（至少两个）", "runs to compare (two or more)"),
    "pick_two": ("请至少选择两个运行。", "Pick at least two runs."),
    "this_session": ("本次会话", "this session"),
    "capacity_vs_demand": ("各地级市焚烧能力与需处理量 (t/d)", "capacity vs MSW to treat per prefecture (t/d)"),
    "capacity": ("焚烧能力", "capacity"),
    "msw_to_treat": ("需处理量", "MSW to treat"),
    "landfill_tpd": ("原生垃圾填埋量 (t/d)", "raw MSW landfilled (t/d)"),
    "cost": ("系统年成本 (万元/年)", "system cost (万元/yr)"),
    "capacity_tpd": ("焚烧处理能力 (t/d)", "incineration capacity (t/d)"),
    "utilisation_pct": ("平均负荷率 (%)", "mean utilisation (%)"),
    "t_km": ("运输周转量 (t·km/d)", "transport (t·km/d)"),
    "co2e": ("净温室气体排放 (t CO2e/年)", "net GHG (t CO2e/yr)"),
    "compare_base": ("基准运行（其他运行与之相比）", "base run (the others are compared with it)"),
    "within_tolerance": ("差异小于求解误差 / within solver tolerance", "within solver tolerance / 差异小于求解误差"),
    "vs_base": ("每个运行减去基准 {base}", "each run minus the base, {base}"),
    "delta_note": ("Δ = 该运行 − 基准运行；灰色柱：两次求解已证明的差距之内，不能据此区分两方案。",
                   "Δ = run − base run; grey bars: inside the two runs' proven gaps, the solves cannot tell them apart."),
    "diff_map": ("差异地图", "map of what differs"),
    "diff_base": ("基准运行", "baseline run"),
    "base_tag": ("基准", "base"),
    "diff_other": ("对比运行", "other run"),
    "opened_only": ("仅在对比运行中建设/扩建", "built or expanded only in the other run"),
    "closed_only": ("仅在基准运行中使用", "used only in the baseline run"),
    "capacity_changed": ("能力变化", "capacity changed"),
    "reassigned": ("服务厂改变的县区", "counties served by a different plant"),
    "run_files_missing": ("运行 {run_id} 的文件不存在：{out_dir}", "files of run {run_id} are missing: {out_dir}"),
    # export page
    "export_run": ("导出哪个运行", "run to export"),
    "download_gpkg": ("GeoPackage (.gpkg)", "GeoPackage (.gpkg)"),
    "download_xlsx": ("Excel（每表一页）", "Excel (one sheet per table)"),
    "download_csv": ("CSV：{table}", "CSV: {table}"),
    "download_geojson": ("GeoJSON：{layer}", "GeoJSON: {layer}"),
    "page_routes": ("收运路线", "Routes"),
    "page_robust": ("多情景稳健性", "Robustness"),
    "no_robust_run": ("还没有多情景的运行：求解带 uncertainty 的情景（如 configs/henan-2025-robust.yaml）后在此查看。",
                      "no run for several futures yet: solve a scenario with uncertainty (e.g. "
                      "configs/henan-2025-robust.yaml) to see it here."),
    "robust_plan": ("稳健方案", "robust plan"),
    "plan_for": ("仅为 {future} 规划", "plan for {future} alone"),
    "col_plan": ("方案", "plan"),
    "col_future": ("情景", "future"),
    "col_weight": ("权重", "weight"),
    "futures_cost": ("各方案在各情景下的年成本 (万元/年)", "annual cost per plan and future (万元/yr)"),
    "futures_landfill": ("各方案在各情景下的原生垃圾填埋 (t/d)", "raw MSW landfilled per plan and future (t/d)"),
    "expected_cost": ("稳健方案期望年成本 (万元/年)", "expected cost of the robust plan (万元/yr)"),
    "vss": ("随机解价值 VSS (万元/年)", "value of the stochastic solution, VSS (万元/yr)"),
    "evpi": ("完全信息期望价值 EVPI (万元/年)", "expected value of perfect information, EVPI (万元/yr)"),
    "worst_landfill": ("最坏情景原生垃圾填埋 (t/d)", "worst-case raw MSW landfilled (t/d)"),
    "futures_note": ("每个方案的设施固定，在每种情景下重新安排运输；填埋上限不再强制，能力不足的部分计为原生垃圾填埋"
                     "（按填埋费计入成本）。“—”：该方案在此情景下无法运行（如新厂低于最低负荷）。中心情景：{central}。",
                     "Each plan's plants fixed, its flows chosen again in every future; the landfill cap is not "
                     "enforced, so a capacity shortfall shows as raw MSW landfilled (costed at the gate fee). \"—\": the "
                     "plan cannot operate there (e.g. new plants below their minimum load). Central future: {central}."),
    "vss_unbounded": ("均值问题方案在 {breaches} 超出原生垃圾填埋上限，不满足每种情景的政策，VSS 无界 (∞)。政策溢价：稳健方案"
                      "比均值问题方案（缺口按填埋费计）每年多花 {premium} 万元，使每种情景都不填埋原生垃圾。",
                      "The mean-value plan lands raw MSW above the cap in {breaches}: it breaks the policy that must hold "
                      "in every future, so the VSS is unbounded (∞). Policy premium: the robust plan costs {premium} "
                      "万元/yr more than the mean-value plan with its shortfall landfilled at the gate fee, and keeps raw "
                      "MSW out of landfill in every future."),
    "mean_value_plan": ("均值问题方案（期望增长与分类）", "mean-value plan (expected growth and capture)"),
    "intervals_note": ("方括号内为各次求解已证明的差距所允许的区间。VSS 以均值问题（各情景参数的加权平均：期望增长与分类）"
                       "的方案为基准（Birge & Louveaux）。",
                       "In brackets: the interval the solves' proven gaps allow. The VSS is measured against the plan of "
                       "the mean-value problem (the futures' weighted mean: expected growth and capture; Birge & "
                       "Louveaux)."),
    "futures_unreliable": ("以下求解停在设定差距 {asked} 之上，上述数字不可靠（区间已放宽）：{solves}",
                           "These solves stopped above the gap asked for ({asked}), so the figures above are unreliable "
                           "(their intervals widen): {solves}"),
    "col_changes": ("情景设定（相对基准情景）", "what the future changes"),
    "col_optimum": ("自身最优年成本 (万元/年)", "own optimum (万元/yr)"),
    "col_gap": ("已证明的差距", "proven gap"),
    "col_interval": ("自身最优所在区间 (万元/年)", "own optimum lies in (万元/yr)"),
    "policy_premium": ("政策溢价 (万元/年)", "policy premium (万元/yr)"),
    "routes_intro": ("从已保存方案出发，规划一个县的农村生活垃圾收运路线：8 t 压缩车从县城出发，到各村收集点收运，"
                     "满载后到方案指定的处理厂卸车再继续（PyVRP / OR-Tools）。",
                     "Rural MSW collection routes for one county from a saved plan: 8 t compactors leave the county "
                     "seat, collect at village points and unload at the plants the plan assigns, then go on (PyVRP / OR-Tools)."),
    "routes_on_roads": ("距离和时间按 OSM 路网计算（network.osm_file），路线沿道路绘制。",
                        "Distances and times on the OSM road network (network.osm_file); routes drawn along the roads."),
    "routes_straight": ("距离按直线距离 × 绕行系数估算，路线画为直线；在情景中设置 network.osm_file 可按实际道路计算。",
                        "Distances are straight km × circuity and routes are drawn straight; set network.osm_file in "
                        "the scenario to drive real roads."),
    "routes_run": ("基于哪个运行的方案", "plan of run"),
    "routes_county": ("县（区）", "county"),
    "routes_engine": ("求解引擎", "engine"),
    "routes_time_limit": ("求解时间上限 (s)", "time limit (s)"),
    "route": ("规划路线", "Plan routes"),
    "routing": ("正在规划路线（至多 {limit:.0f} s）…", "planning routes (up to {limit:.0f} s)…"),
    "routes_none": ("选择县后点击“规划路线”。", "choose a county and press Plan routes."),
    "route_vehicles": ("车辆 (辆)", "trucks"),
    "route_km": ("行驶里程 / 日", "distance / day"),
    "route_hours": ("车辆工时 / 日", "truck hours / day"),
    "route_collected": ("收运量", "collected"),
    "route_shift_use": ("班次工时利用率", "shift hours used"),
    "route_fleet_why": ("为何需要 {trucks} 辆车：每天收运 {tpd} t/d，{payload} t 压缩车共跑 {trips} 趟（每车平均 {per_truck} 趟，"
                        "每趟装满或收完后到处理厂卸车）；每车平均工作 {hours} h，班次 {shift} h，车队工时利用率 {use} %。"
                        "每多用一辆车要多付一个班组的日工资，所以车辆尽量多跑几趟、排满班次。",
                        "Why {trucks} trucks: {tpd} t/d collected in {trips} trips of an {payload} t compactor ({per_truck} "
                        "trips per truck, each ending with an unload at the plant); {hours} h of work per truck in a {shift} h "
                        "shift, {use} % of the fleet's shift hours used. Each extra truck costs a crew's day, so trucks make "
                        "several trips and fill their shifts."),
    "route_cost": ("收运成本", "collection cost"),
    "route_dropped": ("未收运点 (个)", "stops dropped"),
    "route_status": ("引擎 {engine}，状态 {status}，用时 {seconds} s；文件已写入运行文件夹 routes/",
                     "engine {engine}, status {status}, {seconds} s; files written to the run folder's routes/"),
    "routes_synthetic": ("村庄收集点为按人口在县域内合成的点，仅供示意；真实村庄点可用 "
                         "wasteopt route --villages 提供。",
                         "village points are synthetic (sampled inside the county by population), for illustration; "
                         "give real ones with wasteopt route --villages."),
    "route_no": ("路线", "route"),
    "col_vehicle_type": ("车型", "truck type"),
    "col_vehicle": ("车辆", "truck"),
    "col_stops": ("收集点", "stops"),
    "col_unloads": ("卸车次数", "unloads"),
    "col_trips": ("趟数", "trips"),
    "col_shift_use": ("班次利用率 (%)", "shift used (%)"),
    "col_km": ("里程 (km)", "distance (km)"),
    "col_hours": ("工时 (h)", "hours (h)"),
    "col_start": ("出车", "start"),
    "col_end": ("收车", "end"),
    "col_lunch": ("午休开始", "lunch break"),
    "col_cost": ("成本 (元)", "cost (CNY)"),
    "col_load_km": ("运输周转量 ({unit}·km)", "transport ({unit}·km)"),
    "engine_auto": ("自动", "auto"),
    "route_feasible": ("可行", "feasible"),
    "route_infeasible": ("不可行", "infeasible"),
    "tip_throughput": ("处理量", "throughput"),
    "tip_utilisation": ("负荷率", "utilisation"),
    "tip_new_lines": ("新增 {count} 条 × {size} t/d", "+{count} × {size} t/d"),
    "tip_flow": ("运量 {tpd} t/d · 运距 {km} km · 周转量 {tkm} t·km/d", "{tpd} t/d · {km} km · {tkm} t·km/d"),
    "col_prefecture": ("地级市", "prefecture"),
    "col_year": ("年份", "year"),
    "col_series": ("指标", "series"),
    "col_year_built": ("首次投运", "first in service"),
    "col_year_complete": ("全部建成", "all lines by"),
    "capacity_path": ("逐年能力路径 (t/d)", "capacity path by year (t/d)"),
    "capture_chart": ("焚烧能力需求与厨余垃圾分出率 (t/d)", "incineration capacity needed vs food-waste capture rate (t/d)"),
    "food_capture_pct": ("厨余垃圾分出率 (%)", "food-waste capture rate (%)"),
    "biological_capacity": ("厨余垃圾处理能力", "food-waste plant capacity"),
    "digester": ("厨余垃圾处理厂", "food-waste plant"),
    "sorting_centre": ("分拣中心", "sorting centre"),
    "capacity_goal": ("能力目标", "capacity goal"),
    "cd_same_seat": ("去向在本县县城的，运距按 0 km 计（县内运距未建模），每趟只计装卸时间。",
                     "A destination at the county's own seat shows 0 km (haulage within a county is not modelled): "
                     "its trips count only the loading and unloading time."),
    "cd_haul": ("建筑垃圾运输（整车往返）", "C&D waste haulage (full-load shuttles)"),
    "cd_haul_intro": ("方案中本县运出的建筑垃圾（就地利用部分不运输）：{payload:g} t 自卸车整车往返，每趟装卸 {handling:g} h、"
                      "车速 {speed:g} km/h、每班 {shift:g} h；车辆数为本县所有去向合计。",
                      "The county's C&D waste that the plan ships (on-site reuse stays put): {payload:g} t tippers in full "
                      "loads, {handling:g} h to load and unload, {speed:g} km/h, {shift:g} h shifts; trucks count all of the "
                      "county's destinations."),
    "cd_destination": ("去向", "destination"),
    "col_technology": ("设施类型", "facility type"),
    "col_tpd": ("运量 (t/d)", "tonnes (t/d)"),
    "cd_trips": ("趟次 / 日", "trips / day"),
    "cd_cycle": ("每趟时间 (h)", "hours per trip"),
    "cd_trucks": ("本县所需车辆 (辆)", "trucks for the county"),
    "tech_cd_yard": ("消纳场", "consumption yard"),
    "tech_cd_recycler": ("资源化利用厂", "recycling plant"),
    "tech_landfill": ("填埋场", "landfill"),
    "route_stops": ("个收集点", "stops"),
    "route_unloads": ("次卸车", "unloads"),
    "garage": ("车库（县城）", "garage (county seat)"),
    "disposal_site": ("卸车处理厂", "unloading plant"),
    "synthetic_point": ("合成点", "synthetic point"),
    "download_compare": ("比较表 CSV", "comparison table CSV"),
    "fixed_plan": ("固定某次运行的厂（情景推演）", "keep a run's plants (what-if)"),
    "fixed_plan_help": ("所选运行的新建、扩建焚烧厂原样保留，其他厂址不再新建，只重新优化流向与填埋",
                        "the chosen run's new and expanded plants are kept as built and no others are built; "
                        "only flows and landfills are optimised again"),
    "no_fixed_plan": ("不固定（重新选址）", "none (site afresh)"),
    "choose_sites": ("选择厂址（可多选）", "choose sites"),
    "choose_sizes": ("选择线规格", "choose line sizes"),
    "choose_runs": ("选择运行（至少两个）", "choose runs (two or more)"),
    "export_gis": ("地图文件", "GIS files"),
    "export_gis_help": ("QGIS/ArcGIS 可直接打开；WGS84 (EPSG:4326)", "open in QGIS/ArcGIS; WGS84 (EPSG:4326)"),
    "export_tables": ("表格", "Tables"),
    "export_tables_help": ("设施、流向与各县需求 (t/d, km)", "facilities, flows and county demand (t/d, km)"),
    "export_run_files": ("运行记录", "The run"),
    "export_run_help": ("指标与情景，可用 wasteopt solve 重算", "KPIs and the scenario, re-solvable with wasteopt solve"),
    "export_report": ("审阅报告", "Review report"),
    "export_report_help": ("目标、指标、地图与假设，供评审", "goals, KPIs, maps and assumptions, for reviewers"),
    "layer_plants": ("厂站 plants", "plants"),
    "layer_landfills": ("填埋场 landfills", "landfills"),
    "layer_demand": ("县域需求 demand", "demand"),
    "layer_flows": ("流向 flows", "flows"),
    "table_facilities": ("设施 facilities", "facilities"),
    "table_flows": ("流向 flows", "flows"),
    "table_demand": ("需求 demand", "demand"),
    "download_kpis": ("指标 JSON", "KPI JSON"),
    "build_report": ("生成审阅报告（HTML + XLSX）", "build the review report (HTML + XLSX)"),
    "building_report": ("正在生成报告（地图、表格）…", "building the report (maps, tables)…"),
    "download_report": ("审阅报告 (.html)", "review report (.html)"),
    "download_report_xlsx": ("报告表格 (.xlsx)", "report tables (.xlsx)"),
    # C&D page (建筑垃圾全过程管控)
    "page_cd": ("建筑垃圾联单核查", "C&D manifests"),
    "cd_folder": ("核查结果文件夹（wasteopt cd reconcile --out）", "reconciliation folder (wasteopt cd reconcile --out)"),
    "cd_no_folder": ("尚无核查结果：先运行 `wasteopt cd ingest` 和 `wasteopt cd reconcile --out 文件夹`，再在此填写该文件夹。",
                     "No reconciliation yet: run `wasteopt cd ingest` and `wasteopt cd reconcile --out FOLDER`, then "
                     "enter that folder here."),
    "cd_period": ("核查期 {start} 至 {end}（{days} 天）", "period {start} to {end} ({days} days)"),
    "cd_manifests": ("联单数", "manifests"),
    "cd_hauled": ("清运量 (t/d)", "hauled (t/d)"),
    "cd_licensed_share": ("运至合规场所 (%)", "to licensed sites (%)"),
    "cd_anomalies": ("异常联单 (%)", "manifests with anomalies (%)"),
    "cd_years_left": ("消纳场最短剩余年限 (年)", "shortest yard life left (years)"),
    "cd_map": ("异常位置与消纳场填充率（圆越大越满）", "anomalies and yard fill (larger circle = fuller)"),
    "cd_anomaly_table": ("异常（每张联单每类一条）", "anomalies (one per manifest and kind)"),
    "cd_sites_table": ("场所接收量与填充", "site intake and fill"),
    "cd_sources_table": ("各县来源（按类别）", "sources per county and category"),
    "cd_kind": ("异常类型", "kind"),
    "cd_count": ("数量", "count"),
    "cdcol_manifest_id": ("联单号", "manifest"), "cdcol_truck_plate": ("车牌", "truck plate"), "cdcol_time": ("时间", "time"),
    "cdcol_lon": ("经度", "lon"), "cdcol_lat": ("纬度", "lat"), "cdcol_evidence": ("依据", "evidence"),
    "cdcol_site_id": ("场所编号", "site"), "cdcol_name": ("名称", "name"), "cdcol_kind": ("类型", "kind"),
    "cdcol_licensed": ("许可", "licensed"), "cdcol_adcode": ("县级代码", "county code"),
    "cdcol_volume_m3": ("库容 (m³)", "volume (m³)"), "cdcol_capacity_tpd": ("能力 (t/d)", "capacity (t/d)"),
    "cdcol_intake_t": ("接收量 (t)", "intake (t)"), "cdcol_intake_m3": ("接收体积 (m³)", "intake (m³)"),
    "cdcol_actual_tpd": ("实际接收 (t/d)", "actual (t/d)"), "cdcol_planned_tpd": ("规划接收 (t/d)", "planned (t/d)"),
    "cdcol_filled_m3": ("已填 (m³)", "filled (m³)"), "cdcol_fill_share": ("填充率", "fill share"),
    "cdcol_years_left": ("剩余年限 (年)", "years left"), "cdcol_category": ("类别", "category"),
    "cdcol_trips": ("趟次", "trips"), "cdcol_hauled_t": ("运出 (t)", "hauled (t)"), "cdcol_arrived_t": ("到达 (t)", "arrived (t)"),
    "cdcol_licensed_t": ("运至许可场所 (t)", "to licensed sites (t)"),
    "cdcol_licensed_share": ("运至许可场所比例", "share to licensed sites"), "cdcol_hauled_tpd": ("运出 (t/d)", "hauled (t/d)"),
    "cdcol_planned_generated_tpd": ("规划产生 (t/d)", "planned generated (t/d)"),
    "cdcol_planned_reused_tpd": ("规划就地利用 (t/d)", "planned reused on site (t/d)"),
    "cdcol_planned_hauled_tpd": ("规划运出 (t/d)", "planned hauled (t/d)"),
    "cdcol_hauled_vs_plan": ("运出 ÷ 规划", "hauled ÷ plan"),
    "no_arrival": ("超时未到达", "no arrival"),
    "unlicensed_destination": ("运往未许可场所", "unlicensed destination"),
    "dumping_stop": ("途中疑似倾倒停留", "dumping stop"),
    "implausible_speed": ("轨迹速度异常", "implausible speed"),
    "overload": ("超载", "overload"),
    "duplicate": ("重复联单", "duplicate"),
    "cd_site_licensed": ("许可场所", "licensed site"),
    "cd_site_unlicensed": ("未许可场所", "unlicensed site"),
    "cd_fill": ("填充率", "fill"),
    "report_reconciliation": ("报告将包含「建筑垃圾联单核查」页所选的核查结果：{folder}",
                              "the report will include the reconciliation chosen on the C&D page: {folder}"),
}

STATUS_NAMES_ZH = {"optimal": "最优", "gap_reached": "达到设定差距", "time_limit": "达到时间上限（未证明最优）",
                   "ended_early": "提前结束（未达设定差距）",
                   "no_plan": "限时内未找到方案", "infeasible": "不可行", "error": "求解出错"}
KPI_NAMES_ZH = {
    "status": "求解状态", "gap": "已证明的 MIP 差距", "solve_seconds": "求解时间",
    "msw_generated_tpd": "生活垃圾清运量", "msw_to_treat_tpd": "需处理量（分类后）",
    "msw_incinerated_tpd": "焚烧量", "raw_msw_landfill_tpd": "原生垃圾填埋量",
    "incineration_capacity_tpd": "焚烧处理能力", "new_plants": "新建厂数", "expanded_plants": "扩建厂数",
    "new_capacity_tpd": "新增能力", "mean_utilisation": "平均负荷率", "plants_under_70pct_load": "负荷 < 70 % 的厂",
    "landfills_stopped": "停用填埋场（共计）", "landfills_restored": "生态封场的填埋场", "mean_haul_km": "平均运距", "t_km_per_day": "运输周转量",
    "cost_wan_cny_per_year": "系统年成本", "cost_cny_per_t": "每吨清运垃圾成本", "co2e_t_per_year": "净温室气体",
    "food_capture_rate": "厨余垃圾分出率", "food_waste_tpd": "厨余垃圾分出量", "food_waste_treated_tpd": "厨余垃圾处理量",
    "food_waste_cotreated_tpd": "其中焚烧厂协同处理", "biological_capacity_tpd": "厨余垃圾处理能力",
    "new_food_waste_plants": "新建厨余垃圾处理厂", "recyclables_recovered_tpd": "可回收物回收利用量",
    "residual_incinerated_tpd": "其他垃圾焚烧量", "residual_lhv_kj_per_kg": "其他垃圾低位热值",
    "cd_generated_tpd": "建筑垃圾产生量", "cd_reused_tpd": "建筑垃圾就地利用量", "cd_recycled_tpd": "建筑垃圾资源化量",
    "cd_to_yards_tpd": "进入消纳场量", "cd_recycling_rate": "建筑垃圾资源化利用率", "cd_truck_trips_per_year": "建筑垃圾运输车次",
    "cd_truck_km_per_year": "建筑垃圾运输车公里（重车与空返）", "cd_trips_avoided_by_reuse_per_year": "就地利用减少的车次",
    "cd_yard_years_left_min": "按规划进场量的消纳场最短使用年限",
    "landfills_on_record": "有公开记录的填埋场（其余为假设）", "landfills_stopped_on_record": "其中停用或已封场",
    "resource_utilisation_rate": "资源化利用率（含焚烧发电；目标约 60 %）", "recycling_rate": "回收利用率（可回收物与厨余；目标 ≥ 35 %）",
    "power_revenue_wan_cny_per_year": "售电收入（计入系统成本）", "power_subsidy_wan_cny_per_year": "其中高于燃煤基准价的补贴",
    "tipping_fees_wan_cny_per_year": "政府支付的垃圾处理费", "public_budget_wan_cny_per_year": "财政支出（处理费 + 电价补贴）",
    **{f"cd_{c}_{what}": f"{zh}{text}" for c, zh in (("spoil", "工程渣土"), ("slurry", "工程泥浆"), ("construction", "工程垃圾"),
                                                   ("demolition", "拆除垃圾"), ("decoration", "装修垃圾"))
       for what, text in (("generated_tpd", "产生量"), ("reused_tpd", "就地利用量"), ("yard_m3_per_year", "进消纳场体积"))},
}

UNITS_ZH = {"万元/yr": "万元/年", "t CO2e/yr": "t CO2e/年", "CNY/t": "元/t", "plants": "座", "landfills": "座",
            "trips/yr": "车次/年", "km/yr": "km/年", "yr": "年", "m³/yr": "m³/年"}


_MARKDOWN_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")


def markdown_literal(text: str) -> str:
    """User text (a run's title or note, a scenario's name) for Streamlit Markdown, shown exactly as typed: every
    ASCII punctuation character backslash-escaped (CommonMark), so ``![t](http://…)`` is neither fetched nor a
    link and ``<b>`` no tag; control characters escaped as in the terminal."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", printable(text))


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values) -> str:
    """The UI string ``key`` in ``lang`` ('zh' or 'en'), formatted with ``values``."""
    zh, en = TEXT[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def status_name(status: str, lang: str) -> str:
    """A solve status in words: 中文 name, or the status code itself in English."""
    return STATUS_NAMES_ZH.get(status, status) if lang == "zh" else status


def unit(text: str, lang: str) -> str:
    return UNITS_ZH.get(text, text) if lang == "zh" else text


_BOTH = re.compile(r"^([^\u4e00-\u9fff]*)(.*[\u4e00-\u9fff])\s+([^\u4e00-\u9fff]+)$")


def one_language(text: str, lang: str) -> str:
    """A '中文 English' name of the engine's in one language: '8 t 压缩车 compactor' → '8 t 压缩车' or '8 t compactor'."""
    both = _BOTH.match(str(text))
    if both is None:
        return str(text)
    lead, zh, en = both.groups()
    return f"{lead}{zh}" if lang == "zh" else f"{lead}{en}"


def place(name_zh: str, name_en: str | None) -> str:
    """A place in Chinese with its pinyin name beside it, e.g. '郑州市 (Zhengzhou)'."""
    if not name_en or name_en == name_zh or not isinstance(name_en, str):
        return str(name_zh)
    return f"{name_zh} ({name_en})"
