"""A run folder's review report: read the run, write report.html, report.xlsx and, when it can, report.pdf."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from wasteopt.cd.reconcile import read_reconciliation
from wasteopt.config.errors import PdfError
from wasteopt.data.region import load_region
from wasteopt.reporting.report.page import render_html
from wasteopt.reporting.report.pdf import write_pdf
from wasteopt.config.writers import write_text, write_xlsx
from wasteopt.reporting.tiles import tile_setting
from wasteopt.reporting.workbook import lay_out_sheet
from wasteopt.runs.folder import RunFolder
from wasteopt.runs.folder.layout import REPORT_FILES

if TYPE_CHECKING:  # for annotations only
    from wasteopt.runs.registry import RunRegistry


def read_run(run_dir: str | Path) -> dict:
    """kpis, scenario, facilities, flows, demand of a finished run folder."""
    folder = RunFolder(run_dir)
    return {"kpis": folder.kpis(), "scenario": folder.scenario(), "facilities": folder.facilities(),
            "flows": folder.flows(), "demand": folder.demand(),
            "backtest": folder.backtest(), "goal_cost": folder.goal_cost()}


def write_report(run_dir: str | Path, *, pdf: bool = True, name: str | None = None,
                 base_dir: str | Path | None = None, reconcile_dir: str | Path | None = None,
                 tiles: str | None = None) -> dict[str, Path]:
    """report.html (self-contained), report.xlsx and, if headless Chromium makes a valid one, report.pdf in
    ``run_dir`` (else one line on stderr says why); ``name`` is the run's name in the report (default: the
    folder's); with ``base_dir`` (another run folder) the report compares the run with that base run; with
    ``reconcile_dir`` (a folder of ``wasteopt cd reconcile --out``) it has a C&D reconciliation section; ``tiles``:
    an XYZ URL template for online tiles under the maps ("" = none; default: ``WASTEOPT_TILES``, else none)."""
    run_dir = Path(run_dir)
    run = read_run(run_dir)
    base_kpis = None if base_dir is None else RunFolder(base_dir).kpis()
    reconciliation = None if reconcile_dir is None else read_reconciliation(reconcile_dir)
    region = load_region(run["scenario"])
    page, tables = render_html(run, region, name or run_dir.name, base_kpis,
                               RunFolder(base_dir).path.name if base_dir else "", reconciliation, tile_setting(tiles))
    files = {kind: run_dir / REPORT_FILES[kind] for kind in ("html", "xlsx")}
    write_text(files["html"], page)
    write_xlsx(files["xlsx"], tables, lay_out_sheet)
    if pdf:
        try:
            files["pdf"] = write_pdf(files["html"])
        except PdfError as error:
            print(f"报告无 PDF no report.pdf: {error} (report.html and report.xlsx written)", file=sys.stderr)
    return files


def report_run(folder: RunFolder, registry: RunRegistry, *, pdf: bool = True, base: RunFolder | None = None,
               reconcile_dir: str | Path | None = None, tiles: str | None = None) -> dict[str, Path]:
    """Write the review report into the finished run ``folder`` (:meth:`RunFolder.amend`: swapped in whole, recorded
    in ``registry``); with ``base`` the report compares the run with that run, with ``reconcile_dir`` it has a C&D
    reconciliation section; ``tiles`` as in :func:`write_report`. Returns the report's files."""
    if reconcile_dir is not None:
        read_reconciliation(reconcile_dir)  # a bad folder fails before the run folder is touched
    with folder.amend(registry, "report") as staging:
        files = write_report(staging, pdf=pdf, name=folder.path.name, base_dir=base.path if base else None,
                             reconcile_dir=reconcile_dir, tiles=tiles)
    return {kind: folder.path / path.relative_to(staging) for kind, path in files.items()}
