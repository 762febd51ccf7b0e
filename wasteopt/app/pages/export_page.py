"""Export page: download a saved plan, grouped by use: GIS files (GeoPackage, one GeoJSON per layer),
tables (XLSX with one sheet per table, CSV), the run itself (KPI JSON, scenario YAML) and the review
report (built on request, as `wasteopt report` does)."""
from pathlib import Path

import streamlit as st

from wasteopt.app.service import download_name
from wasteopt.app.state import lang, pick_run, show_error
from wasteopt.config.errors import WasteoptError
from wasteopt.reporting.labels import t

L = lang()
st.title(t("page_export", L))
record = pick_run(t("export_run", L), key="export_run")
folder = Path(record.out_dir)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LAYERS = ("plants", "landfills", "demand", "flows")
TABLES = ("facilities", "flows", "demand")


def offer(key: str, file: str, suffix: str, mime: str, label: str, required: bool = True) -> None:
    """A download button for ``file`` of the run; a warning if a file every run has is missing."""
    if (folder / file).exists():
        st.download_button(f"⬇ {label}", (folder / file).read_bytes(), file_name=download_name(record, suffix),
                           mime=mime, key=f"download_{key}", width="stretch")
    elif required:
        st.warning(t("run_files_missing", L, run_id=record.run_id, out_dir=folder / file))


gis, tables, run, report = st.columns(4)
with gis:
    st.subheader(t("export_gis", L))
    st.caption(t("export_gis_help", L))
    offer("gpkg", "plan.gpkg", ".gpkg", "application/geopackage+sqlite3", t("download_gpkg", L))
    for layer in LAYERS:  # runs saved before GeoJSON was written have none
        offer(f"geojson_{layer}", f"{layer}.geojson", f"_{layer}.geojson", "application/geo+json",
              t("download_geojson", L, layer=t(f"layer_{layer}", L)), required=False)
with tables:
    st.subheader(t("export_tables", L))
    st.caption(t("export_tables_help", L))
    offer("xlsx", "plan.xlsx", ".xlsx", XLSX, t("download_xlsx", L))
    for table in TABLES:
        offer(f"csv_{table}", f"{table}.csv", f"_{table}.csv", "text/csv",
              t("download_csv", L, table=t(f"table_{table}", L)))
with run:
    st.subheader(t("export_run_files", L))
    st.caption(t("export_run_help", L))
    offer("kpis", "kpis.json", "_kpis.json", "application/json", t("download_kpis", L))
    offer("yaml", "scenario.yaml", ".yaml", "application/x-yaml", t("download_yaml", L))
with report:
    st.subheader(t("export_report", L))
    st.caption(t("export_report_help", L))
    if not (folder / "report.html").exists() and st.button(t("build_report", L), key="build_report",
                                                          width="stretch"):
        from wasteopt.reporting.report import write_report

        with st.spinner(t("building_report", L)):
            try:
                write_report(folder, pdf=False)
            except (WasteoptError, OSError) as error:
                show_error(error)
            else:
                st.rerun()  # show the downloads in place of the button
    offer("report", "report.html", "_report.html", "text/html", t("download_report", L), required=False)
    offer("report_xlsx", "report.xlsx", "_report.xlsx", XLSX, t("download_report_xlsx", L), required=False)
