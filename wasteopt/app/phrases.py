"""More of the package's messages in 中文 for :mod:`wasteopt.app.messages`: whole sentences from the run folders, the
C&D store, seed files, decomposed and phased solves, calibration, road networks, routing and the CLI's options.

Each is an (English pattern, 中文) pair applied before the general phrases of messages.py; ids, paths, options, keys
and numbers pass through, a system's own error text goes in brackets.
"""
from __future__ import annotations

import re
from collections.abc import Callable

HOLDS = {"a run": "一次运行", "routes": "路线", "a sweep": "一组批量运行", "C&D rejected rows": "建筑垃圾被拒行",
         "a C&D reconciliation": "一次建筑垃圾联单核查", "generated C&D data": "生成的建筑垃圾数据", "other output": "其他输出"}
_HELD = r"(.+?)"


CD_TABLES = {"sites": "场所表", "manifests": "联单表", "gps": "GPS 轨迹表", "trucks": "车辆表"}  # wasteopt/cd/formats.py


def _zh(held: str) -> str:
    return HOLDS.get(held, held)


def _held(m: re.Match) -> str:
    return f"{m.group(1)}：该文件夹存放的是 wasteopt 的{_zh(m.group(2))}，而不是{_zh(m.group(3))}；请另选文件夹"


TYPES = {"list": "列表", "str": "文本", "int": "整数", "float": "数字", "bool": "true/false", "NoneType": "空值",
         "dict": "映射"}
SIDES = {"urban": "城镇", "rural": "乡村"}
RESERVED_FUTURES = {"the plan for all futures": "所有情景共用的方案", "the mean-value problem's plan": "均值问题的方案"}

MORE_PHRASES: list[tuple[str, str | Callable[[re.Match], str]]] = [
    # a scenario file's YAML and keys (wasteopt/config/loader.py)
    (r"invalid YAML at line (\d+), column (\d+): (.*)$", r"YAML 格式错误，位于第 \1 行第 \2 列（\3）"),
    (r"key '([^']*)' \(([^)]*)\): unknown key", r"\2：未知的键（\1）"),
    (r"\(allowed: ", "(可用的键: "),
    (r"a scenario must be a mapping of keys, not (\w+)",
     lambda m: f"情景必须是由键组成的映射，而不是{TYPES.get(m.group(1), m.group(1))}"),
    (r"Input should be a valid dictionary or instance of \w+", "应为一组子设置（键: 值）"),
    (r"Input should be a valid boolean", "应为 'true' 或 'false'"),
    # the scenario's own checks (wasteopt/config/scenario/), after "Value error, "
    (r"capture points must have strictly increasing years", "分出率的时间点必须按年份严格递增"),
    (r"(\S+) shares of food, recyclables and hazardous add up to more than 1",
     lambda m: f"{SIDES.get(m.group(1), m.group(1))}的厨余、可回收物和有害垃圾占比之和超过 1"),
    (r"onsite_reuse_max_share > 0 needs 'reuse' in destinations", "onsite_reuse_max_share > 0 时去向中须包含 'reuse'"),
    (r"destinations: each at most once", "去向（destinations）：每个至多出现一次"),
    (r"last_day (\S+) is before first_day (\S+)", r"末日 \1 早于首日 \2"),
    (r"observed needs enabled: true", "实测联单（observed）需要 'enabled: true'"),
    (r"demand\.sorted_out_share: must be 0 with sorting\.enabled: the capture rates \(sorting\.capture\) now say how "
     r"much food waste and recyclables leave residual waste; set demand\.sorted_out_share: 0 \((.+)\)$",
     r"启用分类（sorting.enabled）时，分类分流比例（demand.sorted_out_share）必须为 0：分出率（sorting.capture）已决定厨余和"
     r"可回收物从其他垃圾中分出多少；请设为 0（\1）"),
    (r"uncertainty: a plan for several futures is one year \(remove phasing\.years or uncertainty\)",
     "多情景方案只针对一个年份；请删除 phasing.years 或 'uncertainty'"),
    (r"uncertainty: futures need objective\.kind min_cost, not (\S+)", r"多情景需要 objective.kind 为 min_cost，而不是 \1"),
    (r"uncertainty: a fixed plan has nothing to decide across futures \(remove policy\.fixed_plants_file or uncertainty\)",
     "固定方案在各情景之间没有可决策的内容；请删除 policy.fixed_plants_file 或 'uncertainty'"),
    (r"(uncertainty\.futures\.\d+\.changes): future ('[^']*'), key ('[^']*'): ", r"情景 \2 的改动（\1）：键 \3："),
    (r"futures: the weights must sum to 1 \(they sum to (\S+)\)", r"情景：权重之和必须为 1（现为 \1）"),
    (r"futures: names must differ \((.*)\)$", r"情景：名称不能重复（\1）"),
    (r"futures: ('[^']*') names (.+); call the future otherwise",
     lambda m: f"情景：{m.group(1)} 指{RESERVED_FUTURES.get(m.group(2), m.group(2))}；请给情景换个名字"),
    (r"objective ('[^']*') needs (p|radius_km)$", r"优化目标 \1 需要 '\2'"),
    (r"years must be strictly increasing", "年份必须严格递增"), (r"years must lie in (\d+)\.\.(\d+)", r"年份必须在 \1 到 \2 之间"),
    (r"key '(policy\.catchment_exceptions\.[^']*)': ", r"允许的跨区运输（\1）："),
    (r"key '(cd\.observed)': ", r"实测联单（\1）："),
    (r"a warm start needs the highs backend \(solver\.backend\)", "热启动需要 'highs' 求解器（solver.backend）"),
    (r"a start plan needs the highs backend", "初始方案需要 'highs' 求解器"),
    # a run's output folder and files (wasteopt/runs/folder/)
    (r"(--out \S+): is a file, not a folder; choose a folder for the output", r"\1：是文件而不是文件夹；请为输出选择一个文件夹"),
    (r"(\S+ \S+): cannot use this path \((.*)\)$", r"\1：无法使用此路径（\2）"),
    (r"(--out \S+): the file system root cannot be an output folder", r"\1：文件系统根目录不能作为输出文件夹"),
    (r"(--out \S+): cannot read the folder \((.*)\)$", r"\1：无法读取该文件夹（\2）"),
    (r"(--out \S+): cannot create the folder \((.*)\)$", r"\1：无法创建该文件夹（\2）"),
    (r"(--out \S+): the folder looks like a run of an older wasteopt, written before runs were marked \(no (\S+)\); "
     r"delete it or choose another --out", r"\1：该文件夹像是旧版 wasteopt 在运行加标记之前写出的运行（缺少 \2）；请删除它或另选 --out"),
    (r"(--out \S+): the folder is not empty and was not written by wasteopt \(no (\S+)\); choose a new or empty folder "
     r"\(--force only replaces wasteopt's own output\)",
     r"\1：该文件夹不为空，也不是 wasteopt 写出的（缺少 \2）；请选择新的或空的文件夹（--force 只替换 wasteopt 自己的输出）"),
    (rf"(--out \S+): the folder holds {_HELD} of wasteopt, not {_HELD}; choose another folder", _held),
    (rf"(\S+) already holds {_HELD}; pass --force to replace it, or choose another --out",
     lambda m: f"{m.group(1)} 中已有{_zh(m.group(2))}；加 --force 可替换，或另选 --out"),
    (r"(\S+ \S+): is a folder; give a file name, e\.g\. (\S+)", r"\1：是文件夹；请给出文件名，例如 \2"),
    (r"(\S+ \S+): is not a regular file; give a file name, e\.g\. (\S+)", r"\1：不是普通文件；请给出文件名，例如 \2"),
    (r"(\S+ \S+): is one of this command's input files; choose another file", r"\1：是本命令的输入文件之一；请另选文件"),
    (r"(\S+) exists; pass --force to overwrite it, or choose another (\S+)", r"\1 已存在；加 --force 可覆盖，或另选 \2"),
    (r"run ('[^']*') is neither a run folder \(with (\S+)\) nor a run id (?:with its files )?in (\S+) \(see `wasteopt runs`\)",
     r"运行 \1 既不是运行文件夹（含 \2），也不是 \3 中仍有文件的运行编号（见 wasteopt runs）"),
    (r"the run's (\S+) is not UTF-8 text \(byte (\d+)\)", r"该运行的 \1 不是 UTF-8 文本（第 \2 字节）"),
    (r"not a JSON object but a (\w+)", r"不是 JSON 对象，而是 \1"),
    # the C&D manifest store and its files (wasteopt/cd/)
    (r"no such store \(load one with wasteopt cd ingest\)", "联单库不存在（请先用 'wasteopt cd ingest' 载入）"),
    (r"cannot open the store: (.*)$", r"无法打开联单库（\1）"),
    (r"not a manifest store of wasteopt cd ingest: (.*)$", r"不是 'wasteopt cd ingest' 建立的联单库（\1）"),
    (r"not a (\S+) file: missing column\(s\) (.+) \(expected (.+)\)$",
     lambda m: f"不是{CD_TABLES.get(m.group(1), m.group(1))}文件：缺少列 {m.group(2)}（应有 {m.group(3)}）"),
    (r"cannot read as CSV \(([^)]*)\): (.*)$", r"无法按 CSV 读取（编码 \1：\2）"),
    (r"(--from/--to): (.+) \(dates are YYYY-MM-DD\)$", r"\1：日期有误（\2）；日期格式为 YYYY-MM-DD"),
    (r"the store's manifests or yards name (\d+) county adcode\(s\) that are not counties of the scenario's region: (.+)$",
     r"联单库中的联单或消纳场涉及 \1 个不属于本情景区域的县级代码：\2"),
    (r"cannot read the workbook: (.*)$", r"无法读取该工作簿（\1）"),
    (r"no manifests depart in (\S+) in the store (.+?); it holds no manifests$", r"联单库 \2 中没有在 \1 出发的联单；库中没有联单"),
    (r"no manifests depart in (\S+) in the store (.+?); it holds ([\d,]+) manifests departing (\S+)$",
     r"联单库 \2 中没有在 \1 出发的联单；库中有 \3 张联单，出发于 \4"),
    (r"no manifests depart in (\S+) in the store (.+?); (\S+)$", r"联单库 \2 中没有在 \1 出发的联单；\3"),
    (r"(--plan \S+): the run plans no C&D \(cd\.enabled was false\)", r"\1：该运行没有规划建筑垃圾（cd.enabled 为 false）"),
    (r"(--plan \S+): neither a run folder \(with (\S+)\) nor a run id with its files",
     r"\1：既不是运行文件夹（含 \2），也不是仍有文件的运行编号"),
    (r"(--to \S+) is before (--from \S+)", r"\1 早于 \2"),
    (r"not a reconciliation folder of wasteopt cd reconcile \((.*)\)$", r"不是 'wasteopt cd reconcile' 写出的核查文件夹（\1）"),
    (r"--counties: not Henan county adcodes: (.+)$", r"--counties：以下不是河南的县级代码：\1"),
    (r"(--start \S+) is not a date \(YYYY-MM-DD\)", r"\1 不是日期（YYYY-MM-DD）"),
    (r"(--work \S+): not empty; the benchmark needs a new or empty folder", r"\1：不为空；基准测试需要新的或空的文件夹"),
    # seed and region files (wasteopt/data/)
    (r"\b(row \d+): ([A-Za-z_]\w*) (?=is |must |[-\d.e+]+ is |'[^']*' is )", r"\1: '\2' "),  # a column: a name
    (r"urban \+ rural population ≠ population_2020", "城镇人口 + 乡村人口 ≠ population_2020"),
    (r"no host for census zone ([^\s;]+)", r"普查区 \1 没有所属县区"), (r"\bzone (\S+) is not in ([^\s;]+)", r"普查区 \1 不在 \2 中"),
    (r"centre of prefecture (\S+) lies in (\d+) county polygons", r"地市 \1 的中心落在 \2 个县的多边形内"),
    (r"no polygon for adcode ([^\s;]+)", r"县级代码 \1 没有多边形"), (r": no geometry\b", "：没有几何图形"),
    (r"extent (.+?) is not lon/lat degrees", r"范围 \1 不是经纬度"),
    (r"is not a YYYY-MM-DD date", "不是 YYYY-MM-DD 格式的日期"),
    (r"prefecture_adcode ('[^']*') has no seat district", r"prefecture_adcode \1 没有市辖区"),
    (r"is ([\d,]+) characters long, more than the (\d+) a name may have", r"长 \1 个字符，超过名称上限 \2 个字符"),
    (r"is not a number \(", "不是数字 ("), (r"duplicate pair (\S+) → ([^\s;]+)", r"起终点对 \1 → \2 重复"),
    (r"coordinates are in (.+) \(projected\); expected lon/lat degrees \(EPSG:4326 / GCJ-02\)\. Reproject the file, "
     r"e\.g\. ogr2ogr -t_srs EPSG:4326", r"坐标为 \1（投影坐标）；应为经纬度（EPSG:4326 / GCJ-02）。请重投影该文件，例如 'ogr2ogr -t_srs EPSG:4326'"),
    (r"the last 8 characters of ps_code are no longer unique; site ids would clash",
     "ps_code 的后 8 位不再唯一；厂址编号会冲突"),
    (r"key ('[^']*'): (\d+) townships for (\d+) counties; give at least one per county",
     r"\1：\2 个乡镇对应 \3 个县；每县至少一个"),
    (r"(\d+) nodes: need at least one per county \((\d+)\)", r"\1 个节点：每县至少需要一个（共 \2 县）"),
    (r"cannot calibrate MSW generation: the modelled total is 0 t/d \(no population\?\)",
     "无法校准生活垃圾产生量：模型合计为 0 t/d（没有人口？）"),
    (r"no official figures to compare with", "没有可比较的官方数据"),
    (r"prefectures (.+): no rows left in (\S+)", r"地市 \1：\2 中没有剩余的行"),
    # the solve: solver, decomposition, phasing, futures (wasteopt/milp/, siting/)
    (r"unknown solver backend ('[^']*') \(use highs or cbc\)", r"未知的求解器 \1（请用 'highs' 或 'cbc'）"),
    (r"CBC binary not found \(it ships with PuLP; reinstall with `make run`\)", "找不到 CBC 程序（随 PuLP 安装；请用 'make run' 重新安装）"),
    (r"key ('[^']*'): decomposition solves one year and one future \(remove phasing\.years / uncertainty, or set "
     r"solver\.decompose: off\)", r"\1：分解求解只解一个年份、一个情景；请删除 phasing.years 或 'uncertainty'，或设 solver.decompose: 'off'"),
    (r"decomposed siting needs the min_cost objective, not (\S+)", r"分解选址需要 min_cost 优化目标，而不是 \1"),
    (r"decomposed siting needs at least one round", "分解选址至少需要一轮"),
    (r"(?:decomposed siting on Dask|--scheduler) needs the dask\[distributed\] package", "Dask 分布式计算需要安装 'dask[distributed]' 包"),
    (r"cannot reach the Dask scheduler at (\S+): (.+) \(expected tcp://HOST:PORT\)",
     r"无法连接 Dask 调度器 \1（\2）（应为 tcp://HOST:PORT）"),
    (r"(\d+) sites have no block, e\.g\. (\S+)", r"\1 个厂址不属于任何分块，例如 \2"),
    (r"(\d+) arcs run between sites of different blocks \(e\.g\. (.+)\); decomposed siting splits node → site arcs only",
     r"\1 条弧连接不同分块的厂址（例如 \2）；分解选址只能拆分节点 → 厂址的弧"),
    (r"(\d+) node streams reach no site \(e\.g\. (.+)\)$", r"\1 个节点物流到不了任何厂址（例如 \2）"),
    (r"block (\S+): no plan even with the shared rows relaxed", r"分块 \1：放宽共享约束后仍无方案"),
    (r"key ('[^']*'): no years to phase \(use solve_scenario for one year\)", r"\1：没有要分期的年份（单年请用 solve_scenario）"),
    (r"key ('[^']*'): no futures to plan for \(use solve_scenario\)", r"\1：没有要规划的情景（请用 solve_scenario）"),
    # sweeps and calibration (wasteopt/runs/sweep.py, studies/)
    (r"grid key ('[^']*') has no values", r"网格键 \1 没有取值"),
    (r"give a 'grid' or a list of 'variants'", "请给出 'grid' 或 'variants' 列表"),
    (r"two variants describe the same scenario", "两个变体描述的是同一情景"),
    (r"pareto: KPI (\S+) is not in the summary \(no finished run has it\)", r"帕累托：指标 \1 不在汇总中（没有已完成的运行含有它）"),
    (r", variant ('[^']*'): ", r"，变体 \1："), (r", grid point ('[^']*'): ", r"，网格点 \1："),
    (r"window ('[^']*'): the last year comes before the first", r"时间窗 \1：末年早于首年"),
    (r"window ('[^']*'): give the years built as FIRST-LAST, e\.g\. (\S+)", r"时间窗 \1：请按「首年-末年」给出建设年份，例如 \2"),
    (r"window ('[^']*'): years must lie in (\S+)", r"时间窗 \1：年份必须在 \2 之间"),
    (r"the grid does not contain the base scenario's own values, so the shipped defaults would not be scored; add them "
     r"to each grid key", "网格不含基础情景自身的取值，自带的默认值将得不到评分；请把它们加入每个网格键"),
    (r"cannot read calibration file (\S+): (.*)$", r"无法读取校准文件 \1（\2）"),
    (r"key ('[^']*'): year (\d+) must come after baseline_year (\d+)", r"\1：年份 \2 必须晚于基准年 \3"),
    (r"key ('[^']*'): (.+) is not among the grid's values of that key", r"\1：\2 不在该键的网格取值中"),
    (r"no grid point could be backtested in sample; see calibration\.csv", "没有任何网格点能在样本内回测；见 calibration.csv"),
    (r"(--year \S+) must come after (--baseline-year \S+)", r"\1 必须晚于 \2"),
    (r"(--year \S+): the latest plant the seeds know \(MEE list and news additions\) started in (\d+), so the build-out "
     r"after (\d+) is not known", r"\1：基础数据中最晚的厂（生态环境部名录与新闻补充）于 \2 年投运，因此 \3 年之后的建设情况未知"),
    (r"(--baseline-year \S+): (.+) \(news additions\) started by then but is not in the MEE list the model starts from; "
     r"choose an earlier baseline", r"\1：\2（新闻补充）当时已投运，但不在模型所依据的生态环境部名录中；请选择更早的基准年"),
    # road networks (wasteopt/roads/)
    (r"(\d+) point\(s\) lie farther than ([\d,.]+) m from the connected road network: (.+); check their coordinates or "
     r"raise the snap tolerance \(network\.snap_tolerance_m / --snap-tolerance-m\)",
     r"\1 个点距连通路网超过 \2 m：\3；请检查其坐标或提高吸附容差（network.snap_tolerance_m / --snap-tolerance-m）"),
    (r"no road from graph node (\S+) to (\S+)", r"路网中没有从节点 \1 到 \2 的道路"),
    (r"not a main-roads file of `wasteopt network build` \(road_class, lines\)",
     "不是 'wasteopt network build' 写出的主干道文件（road_class, lines）"),
    (r"cannot read the main roads \((.*)\); build the network again with `wasteopt network build`",
     r"无法读取主干道（\1）；请用 'wasteopt network build' 重新构建路网"),
    (r"road speeds must be ≥ 0 km/h: (.+)$", r"道路车速必须 ≥ 0 km/h：\1"),
    (r"the road cache file is damaged \((.*)\); delete it and run again \(it is rebuilt from the OSM extract\)",
     r"道路缓存文件已损坏（\1）；请删除后重新运行（会从 OSM 路网文件重建）"),
    (r"no drivable roads \(highway classes (.+)\)$", r"没有可通行的道路（道路等级 \1）"),
    (r"cannot read OSM data: (.*)$", r"无法读取 OSM 数据（\1）"),
    (r"no road within (\S+) × the straight distance from (\S+) to (\S+) \((\d+) pair\(s\) of places\)",
     r"从 \2 到 \3 在直线距离 \1 倍内没有道路（共 \4 对地点）"),
    (r"^距离上限内没有相距 ≥ 1 km 的点对 / no pairs at least 1 km apart within the haul limit$", "距离上限内没有相距 ≥ 1 km 的点对"),
    # routing a county (wasteopt/routing/)
    (r"wasteopt route plans per county: region\.townships is set, so route a county-level scenario's plan "
     r"\(region\.townships: null\), e\.g\. (\S+)", r"'wasteopt route' 按县规划路线：已设置 region.townships，请对县级情景的方案规划路线（region.townships: null），例如 \1"),
    (r"(\d+) bad row\(s\) \(lon/lat/population\), lines (.+)$", r"\1 行有误（lon/lat/population），位于第 \2 行"),
    (r"cannot read villages \((.*)\)$", r"无法读取村庄（\1）"),
    (r"unknown routing engine (\S+); choose from (.+) or auto", r"未知的路线引擎 \1；请从 \2 或 'auto' 中选择"),
    (r"time limit must be > 0 s \(got (.+)\)$", r"时间上限必须 > 0 s（给定为 \1）"),
    (r"circuity must be >= 1 and speed > 0 \(got (.+)\)$", r"绕行系数必须 ≥ 1，车速必须 > 0（给定为 \1）"),
    (r"OD matrix misses (\d+) pairs, e\.g\. (\S+) -> (\S+)", r"OD 距离矩阵缺少 \1 对，例如 \2 -> \3"),
    (r": no depot$", "：没有车场"), (r": no vehicle type$", "：没有车型"),
    (r"depot, site and stop ids must be unique", "车场、处置场和站点的编号必须唯一"),
    (r"no disposal site and the depot does not accept waste", "没有处置场，车场也不接收垃圾"),
    (r": (\S+) is (.+), expected \((.+)\)$", r"：\1 的形状为 \2，应为（\3）"),
    (r": (\S+) must hold integers$", r"：\1 必须全为整数"), (r": (\S+) has negative entries$", r"：\1 含有负数"),
    (r"vehicle type (\S+) uses unknown depot (\S+)", r"车型 \1 使用了未知的车场 \2"),
    (r"vehicle type (\S+) needs count >= 0 and (\S+) capacities >= 0", r"车型 \1 的数量须 ≥ 0，\2 个载重须 ≥ 0"),
    (r"vehicle type (\S+) max_load_per_route needs (\S+) values", r"车型 \1 的 'max_load_per_route' 需要 \2 个值"),
    (r"vehicle type (\S+) shift ends before it starts", r"车型 \1 的班次结束早于开始"),
    (r"stop (\S+) needs (\S+) loads >= 0", r"站点 \1 需要 \2 个 ≥ 0 的装载量"),
    (r"stop (\S+) time window ends before it starts", r"站点 \1 的时间窗结束早于开始"),
    # the command line's options and benchmark files (wasteopt/commands/, bench/, reporting/report/pdf.py)
    (r"module 'wasteopt' has no attribute (\S+)", r"模块 'wasteopt' 没有属性 \1"),
    (r"(\S+) is not a whole number$", r"\1 不是整数"), (r"(\S+) is not a (?:\S+)?number$", r"\1 不是数字"),
    (r"^(\S+) is outside (?!the project folder)(.+)$", r"\1 超出区间 \2"),
    (r"^('[^']*'): give (.+) separated by commas$", r"\1：请给出以逗号分隔的\2"),
    (r"--time-limit must be > 0 and --jobs >= 1", "--time-limit 必须 > 0，--jobs 必须 ≥ 1"),
    (r"--max-km and --snap-tolerance-m must be > 0", "--max-km 和 --snap-tolerance-m 必须 > 0"),
    (r"(--[\w-]+) must be > 0$", r"\1 必须 > 0"),
    (r"--nodes ≥ 4, --points ≥ 2 and --max-km > 0", "须满足 --nodes ≥ 4、--points ≥ 2 且 --max-km > 0"),
    (r"give --config \(the scenario's points\) or --points CSV \(site_id,lon,lat\)",
     "请给出 --config（情景中的点）或 --points CSV 文件（site_id,lon,lat）"),
    (r"give Kim-format files, or --generate a number of stops", "请给出 'Kim' 格式的文件，或用 --generate 生成若干站点"),
    (r"--generate needs at least 1 stop and --sites at least 1 disposal site", "--generate 至少需要 1 个站点，--sites 至少需要 1 个处置场"),
    (r"--generate takes numbers of stops separated by commas, got (.+)$", r"--generate 接受以逗号分隔的站点数，给定为 \1"),
    (r"(--workers \S+): each between 1 and 64", r"\1：每个值须在 1 到 64 之间"),
    (r"(--workers \S+): comma-separated whole numbers, e\.g\. (\S+)", r"\1：须为逗号分隔的整数，例如 \2"),
    (r"--method takes a comma-separated list of (.+) \(got (.+)\)$", r"--method 接受以逗号分隔的列表，取值为 \1（给定为 \2）"),
    (r"--sizes is like (\S+) and --ratios like (\S+) \(got (.+)\)$", r"--sizes 形如 \1，--ratios 形如 \2（给定为 \3）"),
    (r"--sizes is like (\S+) \(got (.+)\)$", r"--sizes 形如 \1（给定为 \2）"),
    (r"(--blocks \S+): between 1 and (\S+)$", r"\1：须在 1 到 \2 之间"),
    (r"(--sites \S+): at least one per block \((\S+)\) and at most the (\S+) nodes",
     r"\1：每个分块至少一个（\2），至多为节点数 \3"),
    (r"(--sites \S+): must be between 1 and the (\S+) nodes", r"\1：须在 1 到节点数 \2 之间"),
    (r"--only names instances not in the CSV: (.+)$", r"--only 指定的算例不在 CSV 中：\1"),
    (r"no result CSVs in (\S+); run `wasteopt bench all` first", r"\1 中没有结果 CSV；请先运行 'wasteopt bench all'"),
    (r"no column (\S+) \(not a result CSV of `wasteopt bench`\?\)", r"没有列 \1（不是 'wasteopt bench' 的结果 CSV？）"),
    (r"no rows or missing columns (.+) \(need (.+)\)$", r"没有数据行或缺少列 \1（需要 \2）"),
    (r"cannot read optima CSV (\S+): (.*)$", r"无法读取最优值 CSV \1（\2）"),
    (r"line (\S+): (\S+) and optimal_value must be numbers", r"第 \1 行：\2 和 'optimal_value' 必须是数字"),
    (r"p = (\S+) is not between 1 and the (\S+) vertices", r"p = \1 不在 1 到顶点数 \2 之间"),
    (r"a p-median graph needs at least 2 vertices, not (\S+)", r"p-中位问题的图至少需要 2 个顶点，而不是 \1"),
    (r"a generated CFLP needs ≥ 1 site and customer and a capacity ratio ≥ 1 \(got (.+)\)$",
     r"生成的 CFLP 需要 ≥ 1 个厂址和客户、容量比 ≥ 1（给定为 \1）"),
    (r"(\S+) exists and holds another instance; choose another folder", r"\1 已存在且存放着另一个算例；请另选文件夹"),
    (r"not an OR-Library (\w+) file \((.*)\)$", r"不是 'OR-Library' 的 '\1' 文件（\2）"),
    (r"^cannot write (\S+): (.*)$", r"无法写入 \1（\2）"),
    (r"site capacities are the word 'capacity'; give --capacity/optima 'capacity'",
     "厂址容量写成了单词 'capacity'；请用 --capacity 或在最优值表中给出 'capacity'"),
    (r"needs CAPACITY, DEMAND_SECTION and edge weights", "需要 CAPACITY、DEMAND_SECTION 和边权"),
    (r"only single-depot instances with the depot first are supported", "只支持单车场且车场排在首位的算例"),
    (r"missing columns (.+) \(need (.+)\)$", r"缺少列 \1（需要 \2）"),
    (r"(\S+) listed file\(s\) missing, e\.g\. (\S+)", r"列出的文件中有 \1 个不存在，例如 \2"),
    (r"not a readable VRPLIB file \((.*)\)$", r"不是可读的 VRPLIB 文件（\1）"),
    (r"cannot read BKS table \((.*)\)$", r"无法读取 BKS 表（\1）"),
    (r"no instance named (\S+)", r"没有名为 \1 的算例"),
    (r"header values must be positive, got (.+)$", r"表头的值必须为正，给定为 \1"),
    (r"(\S+) malformed place line\(s\), e\.g\. line (\S+) \(want: (.+)\)$", r"\1 行地点格式有误，例如第 \2 行（应为：\3）"),
    (r"need exactly one depot \(type 0\), a disposal site \(2\) and stops \(1\); found (.+)$",
     r"需要恰好一个车场（type 0）、一个处置场（2）和若干站点（1）；实际为 \1"),
    (r"the first 5 lines must each start with a number \(Kim format\)", "前 5 行都必须以数字开头（Kim 格式）"),
    (r"no headless Chromium \((.*)\) on PATH; scripts/sysdeps\.sh installs it", r"PATH 中没有无界面的 'Chromium'（\1）；scripts/sysdeps.sh 会安装它"),
    (r"(\S+) wrote no valid PDF \((\S+) bytes\)", r"\1 没有写出有效的 PDF（\2 字节）"),
    (r"(\S+) did not finish within (\S+) s", r"\1 未在 \2 s 内完成"),
    (r"(\S+) failed \(exit (\S+)\): (.*)$", r"\1 运行失败（退出码 \2）（\3）"),
    (r"^cannot run (\S+): (.*)$", r"无法运行 \1（\2）"),
]
