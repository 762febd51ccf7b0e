"""Export page: download a saved plan as GeoPackage, GeoJSON (one file per layer), CSV, XLSX (one sheet per table), KPI JSON and
scenario YAML, and the review report (built on request, as `wasteopt report` does)."""
from pathlib import Path

import streamlit as st

from wasteopt.app.service import download_name
from wasteopt.app.state import lang, pick_run, show_error
from wasteopt.errors import WasteoptError
from wasteopt.ui_text import t

L = lang()
st.title(t("page_export", L))
record = pick_run(t("export_run", L), key="export_run")
if record is None:
    st.stop()
folder = Path(record.out_dir)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def offer(key: str, file: str, suffix: str, mime: str, label: str) -> None:
    st.download_button(f"⬇ {label}", (folder / file).read_bytes(), file_name=download_name(record, suffix), mime=mime,
                       key=f"download_{key}")


downloads = [
    ("gpkg", "plan.gpkg", ".gpkg", "application/geopackage+sqlite3", t("download_gpkg", L)),
    ("xlsx", "plan.xlsx", ".xlsx", XLSX, t("download_xlsx", L)),
    *[(f"csv_{table}", f"{table}.csv", f"_{table}.csv", "text/csv", t("download_csv", L, table=table))
      for table in ("facilities", "flows", "demand")],
    ("kpis", "kpis.json", "_kpis.json", "application/json", t("download_kpis", L)),
    ("yaml", "scenario.yaml", ".yaml", "application/x-yaml", t("download_yaml", L)),
]
for download in downloads:
    if (folder / download[1]).exists():
        offer(*download)
    else:
        st.warning(t("run_files_missing", L, run_id=record.run_id, out_dir=folder / download[1]))
for layer in ("plants", "demand", "flows"):  # runs saved before GeoJSON was written have none
    if (folder / f"{layer}.geojson").exists():
        offer(f"geojson_{layer}", f"{layer}.geojson", f"_{layer}.geojson", "application/geo+json",
              t("download_geojson", L, layer=layer))

if not (folder / "report.html").exists() and st.button(t("build_report", L), key="build_report"):
    from wasteopt.report import write_report

    with st.spinner(t("building_report", L)):
        try:
            write_report(folder, pdf=False)
        except (WasteoptError, OSError) as error:
            show_error(error)
for download in [("report", "report.html", "_report.html", "text/html", t("download_report", L)),
                 ("report_xlsx", "report.xlsx", "_report.xlsx", XLSX, t("download_report_xlsx", L))]:
    if (folder / download[1]).exists():  # built on request
        offer(*download)
