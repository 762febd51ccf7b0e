"""Exports a spreadsheet opens safely: no text cell of any CSV or XLSX we write starts a formula
(OWASP CSV injection), and numbers stay numbers."""
from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from wasteopt import cli
from wasteopt.config.writers import FORMULA_TRIGGERS, csv_bytes, safe_cell, write_csv, write_xlsx
from wasteopt.runs.folder.plan_files import export_plan
from wasteopt.reporting.kpi_compute import compute_kpis
from wasteopt.reporting.report import write_report
from wasteopt.config.loader import load_scenario
from wasteopt.siting import solve_scenario

HOSTILE = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("value, expected", [
    (HOSTILE, "'" + HOSTILE), ("+1+2", "'+1+2"), ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("a\x00b\x1b", "a\ufffdb\ufffd"), ("\x00=1", "\ufffd=1"), ("x\ty\n", "x\ty\n"), ("-0.13", "-0.13"), ("+5", "+5"), ("1e3", "1e3"), ("周口", "周口"), (-3.5, -3.5), (7, 7), (None, None),
])
def test_a_cell_is_made_inert_and_numbers_stay(value, expected):
    assert safe_cell(value) == expected


def _formula_like(text: str) -> bool:
    return isinstance(text, str) and text.startswith(FORMULA_TRIGGERS) and safe_cell(text) != text


def _csv_cells(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def _xlsx_problems(path: Path) -> list[str]:
    problems = []
    for sheet in openpyxl.load_workbook(path).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or _formula_like(cell.value):
                    problems.append(f"{path.name}:{sheet.title}!{cell.coordinate} = {cell.value!r}")
    return problems


def test_writers_neutralise_text_in_cells_headers_and_index(tmp_path):
    frame = pd.DataFrame({"name": [HOSTILE, "ok"], "=x": [-1.5, 2.0]}, index=pd.Index(["@a", "b"], name="site_id"))
    write_csv(tmp_path / "t.csv", frame, index=True)
    write_xlsx(tmp_path / "t.xlsx", {"t": frame.reset_index()})
    assert not [c for c in _csv_cells(tmp_path / "t.csv") if _formula_like(c)]
    download = [c for row in csv.reader(csv_bytes(frame).decode("utf-8-sig").splitlines()) for c in row]
    assert "'" + HOSTILE in download and not [c for c in download if _formula_like(c)]
    assert _xlsx_problems(tmp_path / "t.xlsx") == []
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["t"]
    assert sheet["B2"].value == "'" + HOSTILE and sheet["C2"].value == -1.5 and sheet["C2"].data_type == "n"


def test_hostile_names_reach_no_export_as_a_formula(tiny_seeds, tmp_path):
    # A candidate and a landfill named like formulas, a formula as scenario name, a run folder named like one.
    sites = "site_id,name_zh,adcode,lon,lat\n"
    (tmp_path / "candidates.csv").write_text(sites + f'C1,"{HOSTILE}",411603,114.86,33.73\n', encoding="utf-8")
    (tmp_path / "landfills.csv").write_text(sites + 'L1,"@SUM(1+1)",411602,114.65,33.62\n'
                                            'L2,"+1+cmd",411603,114.87,33.74\n', encoding="utf-8")
    config = tmp_path / "hostile.yaml"
    config.write_text(f'name: "=1+1"\nregion: {{seeds: {tiny_seeds}, candidate_sites_file: {tmp_path / "candidates.csv"}, '
                      f'landfills_file: {tmp_path / "landfills.csv"}}}\ndemand: {{calibration: null}}\n'
                      'incinerator: {site_cost_wan_cny: 0}\nsolver: {time_limit_s: 30, rel_gap: 0}\n', encoding="utf-8")
    plan = solve_scenario(load_scenario(config))
    assert "C1" in set(plan.facilities.query("status == 'new'").index)  # the hostile name is in the plan
    run = tmp_path / "-run"
    export_plan(plan, compute_kpis(plan), run)
    write_report(run, pdf=False)
    assert cli.main(["compare", str(run), str(run), "--out", str(tmp_path / "compare.csv"),
                     "--registry", str(tmp_path / "r.sqlite")]) == 0
    csvs = sorted(run.glob("*.csv")) + [tmp_path / "compare.csv"]
    assert len(csvs) >= 4
    names = {c for path in csvs for c in _csv_cells(path)}
    assert "'" + HOSTILE in names and "'@SUM(1+1)" in names and "'-run" in names
    assert [(p.name, c) for p in csvs for c in _csv_cells(p) if _formula_like(c)] == []
    assert _xlsx_problems(run / "plan.xlsx") + _xlsx_problems(run / "report.xlsx") == []
    cells = {c.value for s in openpyxl.load_workbook(run / "plan.xlsx").worksheets for r in s.iter_rows() for c in r}
    assert "'=1+1" in cells and "'" + HOSTILE in cells
