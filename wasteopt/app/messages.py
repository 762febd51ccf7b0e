"""Error and infeasibility messages in the planner's language: a 中文 line with the English original
beside it, tonnes rounded, headers translated. No Streamlit here (tests call these directly).

The library's messages are English and name files, keys, rows and lines; the phrases below carry the
meaning into Chinese while ids, names and numbers pass through unchanged.
"""
from __future__ import annotations

import re

import pandas as pd

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
    (r"\bkey '", "键 '"),
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
]
_COMPILED = [(re.compile(pattern), zh) for pattern, zh in PHRASES]
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>#|~$])")


def to_chinese(text: str) -> str:
    """The message with every known phrase in Chinese; ids, names and numbers as they were."""
    for pattern, zh in _COMPILED:
        text = pattern.sub(zh, text)
    return text


def markdown_safe(text: str) -> str:
    """Text shown literally by Streamlit's markdown (file names with _ or * stay as they are)."""
    return _MARKDOWN.sub(r"\\\1", text)


def bilingual_error(error_kind: str, message: str) -> str:
    """Markdown for an error box: the Chinese headline and message, then the English original."""
    headline = HEADLINES.get(error_kind, DEFAULT_HEADLINE)
    return (f"**{headline}**：{markdown_safe(to_chinese(message))}\n\n"
            f"English: {markdown_safe(message)}")


def infeasible_markdown(lines: list[str]) -> str:
    """Markdown for the infeasibility box: one bullet per explanation line, 中文 with the English beside."""
    bullets = [f"- {markdown_safe(to_chinese(line.strip()))}  \n  _{markdown_safe(line.strip())}_"
               for line in lines if line.strip()]
    return f"**{HEADLINES['InfeasibleError']} the scenario is infeasible**\n\n" + "\n".join(bullets)


UNSERVED_HEADERS = {"node": "县级代码 node", "name_zh": "名称 name", "name_en": "英文名 name (en)",
                    "stream": "物料 stream", "tonnes_per_day": "无法处理量 unserved (t/d)", "reason": "原因 reason"}
STREAMS_ZH = {"msw": "生活垃圾 msw", "ash": "飞灰炉渣 ash", "cd": "建筑垃圾 cd"}


def unserved_table(unserved: pd.DataFrame) -> pd.DataFrame:
    """The unserved nodes with translated headers, tonnes rounded to whole t/d, reasons in both languages."""
    table = unserved.copy()
    if "tonnes_per_day" in table:
        table["tonnes_per_day"] = table["tonnes_per_day"].astype(float).round(0).astype("int64")
    if "stream" in table:
        table["stream"] = table["stream"].map(lambda s: STREAMS_ZH.get(s, s))
    if "reason" in table:
        table["reason"] = table["reason"].map(lambda r: f"{to_chinese(str(r))} ({r})")
    return table.rename(columns=UNSERVED_HEADERS)
