"""Export page: download a saved plan, grouped by use: GIS files (GeoPackage, one GeoJSON per layer),
tables (XLSX with one sheet per table, CSV), the run itself (KPI JSON, scenario YAML) and the review
report (built on request, as `wasteopt report` does)."""
import streamlit as st

from wasteopt.app.service import download_name, registry
from wasteopt.app.state import lang, pick_run, show_error, tiles
from wasteopt.config.errors import WasteoptError
from wasteopt.reporting.labels import t
from wasteopt.runs.folder import RunFolder
from wasteopt.runs.folder.layout import file_name

L = lang()
st.title(t("page_export", L))
record = pick_run(t("export_run", L), key="export_run")
folder = RunFolder(record.out_dir)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LAYERS = ("plants", "landfills", "demand", "flows")
TABLES = ("facilities", "flows", "demand")


def offer(kind: str, mime: str, label: str, required: bool = True, named: bool = True) -> None:
    """A download button for the run's file of ``kind`` (:meth:`RunFolder.file`), saved as the run's name and id
    then ``_`` and the file's name (``named``) or only its suffix; a warning if a file every run has is missing."""
    if (path := folder.file(kind)) is not None:
        suffix = f"_{path.name}" if named else path.suffix
        st.download_button(f"⬇ {label}", path.read_bytes(), file_name=download_name(record, suffix),
                           mime=mime, key=f"download_{kind}", width="stretch")
    elif required:
        st.warning(t("run_files_missing", L, run_id=record.run_id, out_dir=folder.path / file_name(kind)))


gis, tables, run, report = st.columns(4)
with gis:
    st.subheader(t("export_gis", L))
    st.caption(t("export_gis_help", L))
    offer("gpkg", "application/geopackage+sqlite3", t("download_gpkg", L), named=False)
    for layer in LAYERS:  # runs saved before GeoJSON was written have none
        offer(f"geojson_{layer}", "application/geo+json", t("download_geojson", L, layer=t(f"layer_{layer}", L)),
              required=False)
with tables:
    st.subheader(t("export_tables", L))
    st.caption(t("export_tables_help", L))
    offer("xlsx", XLSX, t("download_xlsx", L), named=False)
    for table in TABLES:
        offer(table, "text/csv", t("download_csv", L, table=t(f"table_{table}", L)))
with run:
    st.subheader(t("export_run_files", L))
    st.caption(t("export_run_help", L))
    offer("kpis", "application/json", t("download_kpis", L))
    offer("scenario", "application/x-yaml", t("download_yaml", L), named=False)
with report:
    st.subheader(t("export_report", L))
    st.caption(t("export_report_help", L))
    reconciliation = st.session_state.get("cd_folder") or None  # chosen on the C&D page
    if folder.file("report_html") is None and reconciliation:
        st.caption(t("report_reconciliation", L, folder=reconciliation))
    if folder.file("report_html") is None and st.button(t("build_report", L), key="build_report", width="stretch"):
        from wasteopt.reporting.report.write import report_run

        with st.spinner(t("building_report", L)):
            try:
                report_run(folder, registry(), pdf=False, reconcile_dir=reconciliation, tiles=tiles() or "")
            except (WasteoptError, OSError) as error:
                show_error(error)
            else:
                st.rerun()  # show the downloads in place of the button
    offer("report_html", "text/html", t("download_report", L), required=False)
    offer("report_xlsx", XLSX, t("download_report_xlsx", L), required=False)
