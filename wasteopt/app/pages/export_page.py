"""Export page: download a saved plan as GeoPackage, CSV, XLSX (one sheet per table) and KPI JSON."""
from pathlib import Path

import streamlit as st

from wasteopt.app.service import download_name
from wasteopt.app.state import lang, pick_run
from wasteopt.ui_text import t

L = lang()
st.title(t("page_export", L))
record = pick_run(t("export_run", L), key="export_run")
if record is None:
    st.stop()
folder = Path(record.out_dir)
downloads = [
    ("gpkg", "plan.gpkg", ".gpkg", "application/geopackage+sqlite3", t("download_gpkg", L)),
    ("xlsx", "plan.xlsx", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     t("download_xlsx", L)),
    *[(f"csv_{table}", f"{table}.csv", f"_{table}.csv", "text/csv", t("download_csv", L, table=table))
      for table in ("facilities", "flows", "demand")],
    ("kpis", "kpis.json", "_kpis.json", "application/json", t("download_kpis", L)),
    ("yaml", "scenario.yaml", ".yaml", "application/x-yaml", t("download_yaml", L)),
]
for key, file, suffix, mime, label in downloads:
    path = folder / file
    if not path.exists():
        st.warning(t("run_files_missing", L, run_id=record.run_id, out_dir=path))
        continue
    st.download_button(f"⬇ {label}", path.read_bytes(), file_name=download_name(record, suffix), mime=mime,
                       key=f"download_{key}")
