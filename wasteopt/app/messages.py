"""Error and infeasibility messages in the planner's language: a 中文 line with the English original
beside it, tonnes rounded, headers translated. No Streamlit here (tests call these directly).

The library's messages are English and name files, keys, rows and lines; the phrases below carry the
meaning into Chinese while ids, names and numbers pass through unchanged.
"""
from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from wasteopt.app.phrases import MORE_PHRASES
from wasteopt.config.assumptions import GROUPS, key_label

HEADLINES = {
    "ScenarioError": "情景设置有误", "DataError": "数据文件有误", "InfeasibleError": "情景不可行",
    "RunExistsError": "运行文件夹已存在", "NoPlanError": "时间上限内未找到方案（也未证明不可行）",
    "RouteCheckError": "路线检查未通过",
}
DEFAULT_HEADLINE = "输入有误"

# (English pattern, 中文) in the order they are applied: longer phrases before the words inside them.
FILE_KINDS = {"scenario file": "情景文件", "CSV file": "CSV 文件", "GeoJSON file": "GeoJSON 文件", "OD matrix file": "OD 距离矩阵文件",
              "OSM extract": "OSM 路网文件", "villages file": "村庄文件", "exclusion-zones file": "禁建区文件",
              "run's plan.gpkg": "运行的 plan.gpkg", "file": "文件"}
_KIND = "(" + "|".join(re.escape(kind) for kind in FILE_KINDS) + ")"
PHRASES: list[tuple[str, str | Callable[[re.Match], str]]] = [
    # a file given by the planner (wasteopt/config/userfiles.py, tables.py, seeds.py, loader.py)
    (rf"\bthe {_KIND} name contains a NUL byte", lambda m: f"{FILE_KINDS[m.group(1)]}名含有 NUL 字节"),
    (rf"\bthe {_KIND} is a folder, not a file", lambda m: f"{FILE_KINDS[m.group(1)]}是文件夹而不是文件"),
    (rf"\bthe {_KIND} is not a regular file \(a device, FIFO or socket\); give a saved file",
     lambda m: f"{FILE_KINDS[m.group(1)]}不是普通文件（设备、管道或套接字），请提供已保存的文件"),
    (rf"\bthe {_KIND} is ([\d,.]+) MB, more than the ([\d,.]+) MB allowed",
     lambda m: f"{FILE_KINDS[m.group(1)]}有 {m.group(2)} MB，超过 {m.group(3)} MB 上限"),
    (rf"\bthe {_KIND} is more than the ([\d,.]+) MB allowed",
     lambda m: f"{FILE_KINDS[m.group(1)]}超过 {m.group(2)} MB 上限"),
    (rf"\bcannot read the {_KIND}: permission denied", lambda m: f"无法读取{FILE_KINDS[m.group(1)]}：没有读取权限"),
    (rf"\bcannot read the {_KIND}:", lambda m: f"无法读取{FILE_KINDS[m.group(1)]}："),
    (rf"\b{_KIND} not found", lambda m: f"找不到{FILE_KINDS[m.group(1)]}"),
    (r"\bfile is empty", "文件为空"), (r"\bfile has a header but no data rows", "文件只有表头，没有数据行"),
    (r"column\(s\) (.+) appear more than once in the header", r"列 \1 在表头中出现了多次"),
    (r"the header has more than ([\d,]+) columns; is this the right file\?", r"表头超过 \1 列；文件是否选错了？"),
    (r"cannot read: neither UTF-8 nor GBK text \(([^)]*)\); save it as 'CSV UTF-8'",
     r"无法读取：既不是 UTF-8 也不是 GBK 文本（\1）；请另存为「CSV UTF-8」"),
    (r"cannot read as CSV", "无法按 CSV 读取"), (r"cannot read GeoJSON", "无法读取 GeoJSON"),
    (r"the GeoJSON has no features", "GeoJSON 中没有要素"),
    (r"features need 'adcode' and 'name' properties", "要素需要 'adcode' 和 'name' 属性"),
    (r"no coordinates for id\(s\)", "以下编号没有坐标："), (r"ids \(index\) are not unique", "编号不唯一"),
    (r"\bids used twice:", "编号重复："),
    (r"OD matrix has no rows", "OD 距离矩阵没有数据行"), (r"OD matrix file not found", "找不到 OD 距离矩阵文件"),
    (r"cannot read OD matrix", "无法读取 OD 距离矩阵"), (r"^OD matrix: ", "OD 距离矩阵："),
    (r"origins must be the demand nodes' ids \(county adcodes\), row 1 has origin", "起点必须是需求节点编号（县级代码），第 1 行的起点是"),
    (r"seeds folder not found", "找不到基础数据目录"),
    (r"column (\S+) must be a number or empty; site (\S+) has", r"列 \1 必须是数字或留空；厂址 \2 的值为"),
    (r"^landfills: ", "填埋场："),
    # a scenario file or upload (wasteopt/config/loader.py, app/service.py)
    (r"expected text, got (\w+)", r"应为文本，实际为 \1"), (r"\bis larger than ([\d,]+) kB", r"大于 \1 kB"),
    (r"the scenario is empty", "情景文件为空"),
    (r"'extends' chain deeper than (\d+) \(a cycle\?\)", r"'extends' 嵌套超过 \1 层（是否循环引用？）"),
    (r"must be a file name", "必须是文件名"), (r"scenario file not found:", "找不到情景文件："),
    (r"must name a file in configs/", "必须是 configs/ 中的文件名"), (r"no scenario '([^']*)' in configs/", r"configs/ 中没有情景 '\1'"),
    (r"no config named (\S+) in configs/", r"configs/ 中没有名为 \1 的配置"),
    (r"YAML anchors and aliases are not allowed in scenarios", "情景中不允许使用 YAML 锚点和别名"),
    (r"YAML nested deeper than (\d+) levels", r"YAML 嵌套超过 \1 层"), (r"YAML nested too deeply", "YAML 嵌套过深"),
    (r"character U\+(\w+) is not allowed \(control character or invalid unicode\)", r"不允许字符 U+\1（控制字符或无效的 Unicode）"),
    (r"keys must be plain names \(text\)", "键必须是普通名称（文本）"), (r"clashes with another key", "与另一个键冲突"),
    (r"the old name of ('[^']*'), which is given too; remove it", r"是 \1 的旧名称，而新名称也已给出；请删除旧名称"),
    # a scenario that contradicts itself (wasteopt/siting/scenario_problem.py, pipeline.py)
    (r"no such file", "找不到文件"), (r"unknown site ids", "未知的厂址编号"),
    (r"\(existing plants are P…, candidates C<adcode>, landfills L<adcode>, yards Y…, recyclers R…, transfer stations T…, "
     r"food-waste plants D<adcode>, sorting centres S<adcode>\)", "（现有厂为 P…，候选厂址 C<县级代码>，填埋场 L<县级代码>，"
     "消纳场 Y…，资源化厂 R…，转运站 T…，厨余垃圾处理厂 D<县级代码>，分拣中心 S<县级代码>）"),
    (r"sites both locked open and closed:", "厂址同时被强制启用和锁定关闭："),
    (r"sites locked open lie inside exclusion zones:", "强制启用的厂址位于禁建区内："),
    (r"a warm start is for one-year what-ifs; a phased run starts from its last year's own plan",
     "热启动只用于单年的情景推演；分期运行从其最后一年自己的方案开始"),
    (r"a warm start is for one-year what-ifs; a plan for several futures starts from the central future's own plan",
     "热启动只用于单年的情景推演；多情景方案从中心情景自己的方案开始"),
    (r"a warm start needs the undecomposed solve \(set it off\)", "热启动需要不分解的求解（请设为 off）"),
    (r"phasing needs min_cost, not (\w+)", r"分期规划需要 min_cost，而不是 \1"),
    (r"must lie after (\S+) \((\d+)\) and end at (\S+) \((\d+)\)", r"必须晚于 \1（\2），并止于 \3（\4）"),
    (r"a fixed plan is a one-year what-if; phasing decides when plants are built \(remove one of the two\)",
     "固定方案用于单年推演，而分期规划决定何时建厂（两者去掉一个）"),
    (r"future ('[^']*') alone is infeasible:", r"情景 \1 单独也不可行："),
    (r"every future alone has a plan, but no one plan meets the policy in all of them; set (\S+): expected_only or "
     r"relax the policy", r"每个情景单独都有方案，但没有一个方案能在所有情景下满足政策；请设 \1: expected_only 或放宽政策"),
    (r"future ('[^']*') alone is infeasible", r"情景 \1 单独也不可行"),
    (r"site ids used twice across plants, candidates, landfills and other sites:", "厂址编号在现有厂、候选厂址、填埋场和其他设施之间重复："),
    (r"adcode\(s\) (.+) are not county-level units of the region, so (.+) cannot place them",
     r"县级代码 \1 不是本区域的县级单位，因此\2无法定位它们"),
    (r"(\S+) is neither a county-level unit nor a prefecture of the region", r"\1 既不是本区域的县级单位也不是地市"),
    # exclusion zones (wasteopt/siting/exclusion.py)
    (r"cannot read exclusion zones", "无法读取禁建区"), (r"no exclusion zones in the file", "文件中没有禁建区"),
    (r"; exclusion zones must be polygons in GeoJSON or GeoPackage", "；禁建区必须是 GeoJSON 或 GeoPackage 中的多边形"),
    (r"the file has no CRS; save it with one \(e\.g\. (\S+)\)", r"文件没有坐标参考系（CRS）；请带上坐标系另存（例如 \1）"),
    (r"features (.+) are not polygons", r"要素 \1 不是多边形"),
    (r"features (.+) have coordinates outside longitude -180…180 / latitude -90…90; is the file's CRS right\?",
     r"要素 \1 的坐标超出经度 -180…180 / 纬度 -90…90；文件的坐标系是否正确？"),
    (r"the phased scenario is infeasible", "分期情景不可行"), (r"the solver failed:", "求解器出错："),
    # routing a county (wasteopt/routing/)
    (r"required stop\(s\) cannot be served by any truck, e\.g\.", "个必须收运的站点没有车辆能够服务，例如"),
    (r"village point\(s\) generate more than a ([\d.,]+) t truck load per day, e\.g\. (.+); split them into smaller "
     r"points", r"个村庄点每天产生的垃圾超过一车 \1 t 的载重，例如 \2；请把它们拆成更小的点"),
    (r"siting plan has no demand row for county", "选址方案中没有该县的需求行：县"),
    (r"siting plan sends (\S+) to unknown site", r"选址方案把 \1 送往未知厂址"),
    (r"county (\S+) is not in the region \(adcodes look like (\S+)\)", r"县 \1 不在本区域内（县级代码形如 \2）"),
    (r"siting plan (\S+) lacks column\(s\) (.+) \(written by an older wasteopt\? solve it again\)",
     r"选址方案 \1 缺少列 \2（由旧版 wasteopt 写出？请重新求解）"),
    # a run's files (wasteopt/runs/folder/)
    (r"seeds folder (\S+) of the run's scenario not found", r"找不到该运行情景的基础数据目录 \1"),
    (r"is not a finished run folder \(no (\S+)\)", r"不是已完成的运行文件夹（缺少 \1）"),
    (r"not valid JSON", "不是有效的 JSON"), (r"cannot read the run's", "无法读取该运行的"),
    (r"not a readable run registry \(([^)]*)\); move the file aside \(a new registry is created\) or pass another "
     r"--registry", r"不是可读的运行登记库（\1）；请把该文件移开（会新建登记库）或另指 --registry"),
    (r"run ('[^']*') is not in (\S+) \(see `wasteopt runs`\)", r"运行 \1 不在 \2 中（见 `wasteopt runs`）"),
    (r"cannot write the file \(([^)]*)\)", r"无法写入文件（\1）"),
    (r"cannot create the output folder \(([^)]*)\)", r"无法创建输出文件夹（\1）"),
    (r"cannot write beside this folder \(([^)]*)\)", r"无法在此文件夹旁写入（\1）"),
    (r"another wasteopt process is writing this folder; wait for it or choose another --out",
     "另一个 wasteopt 进程正在写入此文件夹；请等待其完成或另选 --out"),
    (r"cannot write the folder \(([^)]*)\); what was there before is unchanged", r"无法写入文件夹（\1）；原有内容未改动"),
    (r"another output was written into the folder meanwhile; nothing was changed", "其间另有输出写入了此文件夹；未做任何改动"),
    (r"cannot copy the folder to change it \(([^)]*)\); nothing was changed", r"无法复制文件夹以修改（\1）；未做任何改动"),
    (r"may not change or remove the run's own files \(([^)]*)\); nothing was changed",
     r"不得修改或删除该运行自己的文件（\1）；未做任何改动"),
    (r"not a regular file \(a FIFO, socket or device\); nothing was changed", "不是普通文件（管道、套接字或设备）；未做任何改动"),
    (r"the name contains a control character \(newline, tab, escape or NUL\); choose a plain name",
     "名称含有控制字符（换行、制表、转义或 NUL）；请换一个普通名称"),
    (r"cannot read a run file:", "无法读取运行文件："),
    (r"(\d+) problem\(s\)", r"\1 处问题"),
    (r"\brow (\d+)", r"第 \1 行"),
    (r"\bline (\d+), column (\d+)", r"第 \1 行第 \2 列"),
    (r"\bline (\d+)", r"第 \1 行"),
    (r"\bfeature (\d+)", r"第 \1 个要素"),
    (r"\bkey '", "'"),
    (r"required key is missing", "缺少必填项"),
    (r"unknown key", "未知的键"),
    (r"did you mean", "是否想写"),
    (r"duplicate key \(first at", "重复的键（首次出现在"),
    (r"Input should be greater than or equal to", "应大于或等于"),
    (r"Input should be less than or equal to", "应小于或等于"),
    (r"Input should be greater than", "应大于"),
    (r"Input should be less than", "应小于"),
    (r"Input should be a finite number", "应为有限数值（不能是 NaN 或无穷大）"),
    (r"Input should be a valid number", "应为数值"),
    (r"Input should be a valid integer", "应为整数"),
    (r"Input should be a valid string", "应为文本"),
    (r"missing column\(s\)", "缺少列"),
    (r"is missing or not a number", "缺失或不是数字"),
    (r"is missing or outside China", "缺失或位于中国境外"),
    (r"is not a county-level unit of the region", "不是本区域的县级单位"),
    (r"is implausibly large", "大得不合理"),
    (r"is implausible", "不合理"),
    (r"is negative", "为负数"),
    (r"is not a finite number", "不是有限数值"),
    (r"must be a whole number", "必须是整数"),
    (r"is empty", "为空"),
    (r"\bduplicate\b", "重复的"),
    (r"file not found", "找不到文件"),
    (r"has a header but no data rows", "只有表头，没有数据行"),
    (r"not a regular file \(a device, FIFO or socket\); give a saved file", "不是普通文件（设备、管道或套接字），请提供已保存的文件"),
    (r"is a folder, not a file", "是文件夹而不是文件"),
    (r"symbolic link loop", "符号链接循环"),
    (r"file name too long", "文件名过长"),
    (r"name contains a NUL byte", "文件名含有 NUL 字节"),
    (r"MB allowed", "MB 上限"),
    (r"more than the", "超过"),
    (r"invalid YAML", "YAML 格式错误"),
    (r"not UTF-8 text", "不是 UTF-8 文本"),
    (r"cannot read", "无法读取"),
    (r"is outside the project folder; uploads may only use files in it", "位于项目文件夹之外；上传的情景只能使用项目内的文件"),
    (r"no row starts from origin\(s\)", "没有从以下起点出发的行："),
    (r"no geometries in the file \(a table\?\)", "文件中没有几何图形（是表格吗？）"),
    (r"demand node\(s\) cannot be served", "个需求节点的垃圾无法得到处理"),
    (r"t/d in total", "t/d 合计"),
    (r"cannot be met: short by", "无法满足，缺口"),
    (r"no plant, candidate site or landfill within", "运距范围内没有焚烧厂、候选厂址或填埋场："),
    (r"within reach", "运距范围内"),
    (r"locked closed", "被锁定关闭"),
    (r"are full", "已满负荷"),
    (r"\bnot found\b", "未找到"),
    # the reasons of an infeasible scenario (wasteopt/siting/explain.py)
    (r"within max_haul_km = ([\d.,]+) km", r"在 max_haul_km \1 km 内"),
    (r"within the haul limit", "在运距上限内"),
    (r"the (\d+) existing plant\(s\) ", r"\1 座现有厂 "),
    (r"the (\d+) plant\(s\) ", r"\1 座厂 "),
    (r"no existing plant ", "没有现有厂 "),
    (r"at most ([\d,.]+) t/d nameplate with expansion", r"扩建后额定能力至多 \1 t/d"),
    (r"t/d nameplate, as policy.fixed_plants_file builds them", "t/d 额定能力，按 policy.fixed_plants_file 建设"),
    (r"(\d+) candidate site\(s\) ", r"\1 个候选厂址 "),
    (r"cannot be opened", "无法启用"),
    (r"new plants are capped at (\d+) by policy.new_plants.max", r"新建厂数受 policy.new_plants.max 限制为 \1"),
    (r"opening one needs at least ([\d,]+) t/d \(min load × smallest line\) but only ([\d,]+) t/d can reach any of them",
     r"启用一处至少需要 \1 t/d（最低负荷 × 最小线规格），但只有 \2 t/d 能运到其中任何一处"),
    (r"no line combination fits its ([\d,.]+) t/d under single_sourcing",
     r"在 single_sourcing 下没有一种线组合恰好适合其 \1 t/d"),
    (r"a ([\d,]+) t/d build treats at most ([\d,.]+) t/d", r"\1 t/d 的建设至多处理 \2 t/d"),
    (r"a ([\d,]+) t/d build needs at least ([\d,.]+) t/d", r"\1 t/d 的建设至少需要 \2 t/d"),
    (r"single_sourcing sends all ([\d,]+) t/d to one site but the largest plant a site can hold treats ([\d,]+) t/d",
     r"single_sourcing 要把全部 \1 t/d 送到一处，但一处厂址最大的厂只能处理 \2 t/d"),
    (r"site (\S+) has no (\w+) destination within reach: each t it treats makes ([\d.]+) t \w+, so it can take no "
     r"waste \(add an \w+ landfill or raise max_haul_km\)",
     r"厂址 \1 运距范围内没有 \2 的去处：每处理 1 t 产生 \3 t，因此不能接收垃圾（增加填埋场或提高 max_haul_km）"),
    (r"site (\S+) is locked open but its minimum load is ([\d,]+) t/d and only ([\d,]+) t/d can reach it",
     r"厂址 \1 被强制启用，但其最低负荷为 \2 t/d，只有 \3 t/d 能运到"),
    (r"landfill is capped at ([\d,.]+) t/d \(raw MSW landfilled\)", r"原生垃圾填埋上限为 \1 t/d"),
    (r"(\w+) is capped at ([\d,.]+) t/d \(([^)]*)\)", r"\1 上限为 \2 t/d（\3）"),
    (r"\bincinerator capacity ≥", "焚烧能力 ≥"), (r"\bnew (\w+) sites ≥", r"新建 \1 厂址 ≥"),
    (r"\blandfill stopped ≥", "停用填埋场 ≥"), (r"\blandfill restored ≥", "生态封场填埋场 ≥"),
    (r"\bnew incinerator\b", "新建焚烧厂"), (r"raw MSW landfilled", "原生垃圾填埋"),
    (r"policy '([^']+)' 无法满足", r"政策「\1」无法满足"),
    (r"short by", "缺口"),
    (r"… and (\d+) more", r"…… 另有 \1 个"),
    (r"t/d msw\b", "t/d 生活垃圾"), (r"t/d ash\b", "t/d 灰渣"), (r"t/d cd\b", "t/d 建筑垃圾"),
    (r"t/d food\b", "t/d 厨余垃圾"), (r"t/d recyclables\b", "t/d 可回收物"),
    (r"the solver proved the scenario infeasible but could not localise the cause; check",
     "求解器证明情景不可行，但无法定位原因；请检查"),
    (r"no feasible plan found within the ([\d.]+) s time limit \(none proven impossible either\)",
     r"在 \1 s 时间上限内未找到可行方案（也未证明不可行）"),
    (r"\braise solver\.time_limit_s\b", "请提高 solver.time_limit_s"), (r"\bor relax the policy\b", "或放宽政策"),
    (r", use fewer phasing\.years", "、减少 phasing.years"), (r"\bor use fewer futures\b", "或减少情景数"),
    (r"\(future '([^']+)'\)", r"（情景 '\1'）"),
    (r"the share link is damaged or too long: ask for the link again", "分享链接已损坏或过长：请重新索取链接"),
    # the planner's settings (the knobs)
    (r"^changes: ", "改动："),
    (r"Value error, ", ""),
    (r"\bmin (\d+) > max (\d+)", r"最少 \1 > 最多 \2"),
    (r"objective '(\w+)' needs (\w+)", r"优化目标 '\1' 需要 \2"),
    (r"target_year (\d+) is before baseline_year (\d+)", r"目标年 \1 早于基准年 \2"),
]
_COMPILED = [(re.compile(pattern), zh) for pattern, zh in [*MORE_PHRASES, *PHRASES]]  # the whole sentences first
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>#|~$])")


_SECTIONS = "|".join(GROUPS)
FILE_EXTENSIONS = {"csv", "yaml", "yml", "json", "geojson", "gpkg", "parquet", "xlsx", "txt", "pbf", "md", "html", "duckdb", "sqlite"}
_DOTTED_KEY = re.compile(rf"(?<![\w.（])(?:{_SECTIONS})(?:\.\w+)+")  # policy.new_plants.min
_QUOTED_KEY = re.compile(rf"'((?:{_SECTIONS})(?:\.\w+)*)'")  # key 'objective', key 'policy.new_plants'
BARE_KEYS = {"max_haul_km": "最大运距", "single_sourcing": "每县只送一个厂", "min_load_share": "最低负荷率",
             "availability": "可用率"}
_BARE_KEY = re.compile(rf"(?<![\w.（])({'|'.join(BARE_KEYS)})(?![\w）])")


def named_keys(text: str) -> str:
    """Scenario keys as their 中文 name with the key beside: 'policy.new_plants.min' → '新建厂最少数量（policy.new_plants.min）'."""
    text = _QUOTED_KEY.sub(lambda m: f"{key_label(m.group(1))}（{m.group(1)}）", text)
    text = _DOTTED_KEY.sub(lambda m: m.group(0) if m.group(0).rsplit(".", 1)[1] in FILE_EXTENSIONS  # policy.csv
                           else f"{key_label(m.group(0))}（{m.group(0)}）", text)
    return _BARE_KEY.sub(lambda m: f"{BARE_KEYS[m.group(1)]}（{m.group(1)}）", text)


def to_chinese(text: str) -> str:
    """The message with every known phrase in Chinese and keys named in words; ids, names and numbers as they were."""
    for pattern, zh in _COMPILED:
        text = pattern.sub(zh, text)
    return named_keys(text)


# Left as they are in a 中文 line: acronyms, product names (CSV, YAML, GBK, OSM, GeoJSON, HiGHS …), lon/lat columns.
KEPT_WORDS = re.compile(r"[A-Z]{2,}[a-z]?|GeoJSON|GeoPackage|HiGHS|Dask|PuLP|English|wasteopt|lon|lat")
UNTRANSLATED = "此条消息尚无完整的中文译文，请看下方的英文原文"


def untranslated_words(chinese: str) -> list[str]:
    """English words left in a 中文 line once names in brackets, quoted values, paths, keys, ids, numbers, units,
    acronyms and the English original (in italics) are set aside."""
    text = re.sub(r"\([^()]*\)|（[^（）]*）|'[^']*'|`[^`]*`|(?<!\w)_[^_]+_(?!\w)", " ", chinese)  # names, keys, values, English
    text = re.sub(r"\S*/\S*|--[\w-]+|[\w.]*[\d_.][\w.]*|\\", " ", text)  # paths, units like t/d, options, ids, keys
    return [word for word in re.findall(r"[A-Za-z]{3,}", text) if not KEPT_WORDS.fullmatch(word)]


def chinese_text(message: str) -> str:
    """The message in 中文 (see to_chinese); where the phrases do not carry all of it, a 中文 line that points to the
    English original shown beside it — never a line half in English."""
    text = to_chinese(message)
    return UNTRANSLATED if untranslated_words(text) else text


def markdown_safe(text: str) -> str:
    """Text shown literally by Streamlit's markdown (file names with _ or * stay as they are)."""
    return _MARKDOWN.sub(r"\\\1", text)


def bilingual_error(error_kind: str, message: str) -> str:
    """Markdown for an error box: the Chinese headline and message, then the English original."""
    headline = HEADLINES.get(error_kind, DEFAULT_HEADLINE)
    return (f"**{headline}**：{markdown_safe(chinese_text(message))}\n\n"
            f"English: {markdown_safe(message)}")


def infeasible_markdown(lines: list[str], nodes_in_table: bool = False) -> str:
    """Markdown for the infeasibility box: one bullet per explanation line, 中文 with the English beside; with
    ``nodes_in_table`` the lines per demand node are left to the table of unserved nodes below (said once)."""
    if nodes_in_table:
        lines = [line for line in lines if not line.startswith("  ")]
    bullets = [f"- {markdown_safe(chinese_text(line.strip()))}  \n  _{markdown_safe(line.strip())}_"
               for line in lines if line.strip()]
    return f"**{HEADLINES['InfeasibleError']}**  \n_the scenario is infeasible_\n\n" + "\n".join(bullets)


UNSERVED_HEADERS = {"node": "县级代码 node", "name_zh": "名称 name", "name_en": "英文名 name (en)",
                    "stream": "物料 stream", "tonnes_per_day": "无法处理量 unserved (t/d)", "reason": "原因 reason",
                    "reason_en": "英文原文 reason (English)"}
STREAMS_ZH = {"msw": "生活垃圾 msw", "ash": "飞灰炉渣 ash", "cd": "建筑垃圾 cd"}


def unserved_table(unserved: pd.DataFrame) -> pd.DataFrame:
    """The unserved nodes with translated headers, tonnes rounded to whole t/d, reasons in both languages."""
    table = unserved.copy()
    if "tonnes_per_day" in table:
        table["tonnes_per_day"] = table["tonnes_per_day"].astype(float).round(0).astype("int64")
    if "stream" in table:
        table["stream"] = table["stream"].map(lambda s: STREAMS_ZH.get(s, s))
    if "reason" in table:  # 中文, and the English original in a column of its own
        table["reason_en"] = table["reason"].astype(str)
        table["reason"] = table["reason_en"].map(chinese_text)
    return table.rename(columns=UNSERVED_HEADERS)


# The evidence of a C&D manifest anomaly (wasteopt/cd/reconcile.py), in 中文.
EVIDENCE_PHRASES = [(re.compile(pattern), zh) for pattern, zh in [
    (r"^no arrival within ([\d.]+) h$", r"\1 h 内未到达"),
    (r"^arrived after ([\d.]+) h \(> ([\d.]+) h\)$", r"\1 h 后才到达（> \2 h）"),
    (r"^destination (.+) is not licensed$", r"去向 \1 未获许可"),
    (r"^destination (.+) is not in the site register$", r"去向 \1 不在场所登记中"),
    (r"^load ([\d.]+) t > registered capacity ([\d.]+) t$", r"装载 \1 t > 登记核定载重 \2 t"),
    (r"^load ([\d.]+) t > default limit ([\d.]+) t$", r"装载 \1 t > 默认上限 \2 t"),
    (r"^same truck and project as (.+), departing ([\d.]+) min after it$", r"与联单 \1 同车同项目，晚 \2 分钟出发"),
    (r"^([\d.]+) km in ([\d.]+) s \((.+) km/h > ([\d.]+)\)$", r"\2 s 内行驶 \1 km（\3 km/h > \4）"),
    (r"^stood ([\d.]+) min ([\d.]+) km from the origin, ([\d.]+) km from the nearest licensed site$",
     r"停留 \1 分钟，距起点 \2 km，距最近的许可场所 \3 km"),
]]


def evidence_text(evidence: str, lang: str) -> str:
    """A C&D anomaly's evidence in the page's language (as the reconciliation wrote it, if no phrase fits)."""
    if lang != "zh":
        return evidence
    for pattern, zh in EVIDENCE_PHRASES:
        if pattern.match(evidence):
            return pattern.sub(zh, evidence)
    return evidence
