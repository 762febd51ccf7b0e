"""Error and infeasibility messages in the planner's language: a 中文 line with the English original
beside it, tonnes rounded, headers translated. No Streamlit here (tests call these directly).

The library's messages are English and name files, keys, rows and lines; the phrases below carry the
meaning into Chinese while ids, names and numbers pass through unchanged.
"""
from __future__ import annotations

import re

import pandas as pd

from wasteopt.config.assumptions import GROUPS, key_label

HEADLINES = {
    "ScenarioError": "情景设置有误", "DataError": "数据文件有误", "InfeasibleError": "情景不可行",
    "RunExistsError": "运行文件夹已存在", "NoPlanError": "时间上限内未找到方案（也未证明不可行）",
}
DEFAULT_HEADLINE = "输入有误"

# (English pattern, 中文) in the order they are applied: longer phrases before the words inside them.
PHRASES: list[tuple[str, str]] = [
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
    (r"Input should be a valid boolean", "应为 true 或 false"),
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
_COMPILED = [(re.compile(pattern), zh) for pattern, zh in PHRASES]
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>#|~$])")


_SECTIONS = "|".join(GROUPS)
_DOTTED_KEY = re.compile(rf"(?<![\w.（])(?:{_SECTIONS})(?:\.\w+)+")  # policy.new_plants.min
_QUOTED_KEY = re.compile(rf"'((?:{_SECTIONS})(?:\.\w+)*)'")  # key 'objective', key 'policy.new_plants'
BARE_KEYS = {"max_haul_km": "最大运距", "single_sourcing": "每县只送一个厂", "min_load_share": "最低负荷率",
             "availability": "可用率"}
_BARE_KEY = re.compile(rf"(?<![\w.（])({'|'.join(BARE_KEYS)})(?![\w）])")


def named_keys(text: str) -> str:
    """Scenario keys as their 中文 name with the key beside: 'policy.new_plants.min' → '新建厂最少数量（policy.new_plants.min）'."""
    text = _QUOTED_KEY.sub(lambda m: f"{key_label(m.group(1))}（{m.group(1)}）", text)
    text = _DOTTED_KEY.sub(lambda m: f"{key_label(m.group(0))}（{m.group(0)}）", text)
    return _BARE_KEY.sub(lambda m: f"{BARE_KEYS[m.group(1)]}（{m.group(1)}）", text)


def to_chinese(text: str) -> str:
    """The message with every known phrase in Chinese and keys named in words; ids, names and numbers as they were."""
    for pattern, zh in _COMPILED:
        text = pattern.sub(zh, text)
    return named_keys(text)


def markdown_safe(text: str) -> str:
    """Text shown literally by Streamlit's markdown (file names with _ or * stay as they are)."""
    return _MARKDOWN.sub(r"\\\1", text)


def bilingual_error(error_kind: str, message: str) -> str:
    """Markdown for an error box: the Chinese headline and message, then the English original."""
    headline = HEADLINES.get(error_kind, DEFAULT_HEADLINE)
    return (f"**{headline}**：{markdown_safe(to_chinese(message))}\n\n"
            f"English: {markdown_safe(message)}")


def infeasible_markdown(lines: list[str], nodes_in_table: bool = False) -> str:
    """Markdown for the infeasibility box: one bullet per explanation line, 中文 with the English beside; with
    ``nodes_in_table`` the lines per demand node are left to the table of unserved nodes below (said once)."""
    if nodes_in_table:
        lines = [line for line in lines if not line.startswith("  ")]
    bullets = [f"- {markdown_safe(to_chinese(line.strip()))}  \n  _{markdown_safe(line.strip())}_"
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
        table["reason"] = table["reason_en"].map(to_chinese)
    return table.rename(columns=UNSERVED_HEADERS)
