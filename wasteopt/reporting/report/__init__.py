"""Review report of a run folder: one self-contained HTML file (maps and charts as base64 PNG),
report.xlsx with one sheet per table, and report.pdf when a headless Chromium is installed.

Labels are 中文 with English beside them; units are shown (t/d, km, 万元). Maps need a CJK
font ("Noto Sans CJK SC"/"JP", Debian fonts-noto-cjk); without one 汉字 would draw as boxes,
so the report says so instead of failing.

One module per job: ``figures`` (fonts, PNG), ``names`` (statuses, technologies, plans), ``maps``,
``charts``, ``tables`` (the sections and XLSX sheets), ``page`` (report.html), ``pdf`` (report.pdf via
Chromium), ``capture`` (a sorting sweep's capture chart), ``write`` (a run folder → its report files).
"""
from wasteopt.reporting.report.capture import write_capture_report
from wasteopt.reporting.report.write import read_run, report_run, write_report

__all__ = ["read_run", "report_run", "write_capture_report", "write_report"]
