"""C&D page: a reconciliation folder (wasteopt cd reconcile --out) — KPIs, a map of anomalies and yard fill, tables."""
import streamlit as st

from wasteopt.app.cd_map import cd_deck
from wasteopt.app.messages import evidence_text
from wasteopt.app.state import lang, show_error
from wasteopt.cd.reconcile import ANOMALY_KINDS, read_reconciliation
from wasteopt.config.errors import DataError
from wasteopt.app.tables import cd_category_name, cd_headers
from wasteopt.reporting.labels import t

L = lang()
st.title(t("page_cd", L))

folder = st.text_input(t("cd_folder", L), key="cd_folder")
if not folder:
    st.info(t("cd_no_folder", L))
    st.stop()
try:
    result = read_reconciliation(folder)
except DataError as error:
    show_error(error)
    st.stop()
k = result.kpis
st.caption(t("cd_period", L, start=k["period_from"], end=k["period_to"], days=k["days"]))
figures = [("cd_manifests", f"{k['manifests']:,}"), ("cd_hauled", f"{k['hauled_tpd']:,.0f}"),
           ("cd_licensed_share", "—" if k["licensed_share"] is None else f"{100 * k['licensed_share']:.1f}"),
           ("cd_anomalies", "—" if k["manifests_with_anomaly_share"] is None
            else f"{100 * k['manifests_with_anomaly_share']:.1f}"),
           ("cd_years_left", "—" if k["yard_min_years_left"] is None else f"{k['yard_min_years_left']:.1f}")]
for column, (label, value) in zip(st.columns(len(figures)), figures):
    column.metric(t(label, L), value)
st.subheader(t("cd_map", L))
st.pydeck_chart(cd_deck(result, L))
counts = [{t("cd_kind", L): t(kind, L), t("cd_count", L): k["anomalies"][kind]} for kind in ANOMALY_KINDS]
st.dataframe(counts, hide_index=True)
st.subheader(t("cd_anomaly_table", L))
anomalies = result.anomalies.assign(kind=result.anomalies["kind"].map(lambda kind: t(kind, L)),
                                    evidence=result.anomalies["evidence"].map(lambda text: evidence_text(text, L)))
st.dataframe(anomalies, hide_index=True, column_config=cd_headers(anomalies.columns, L))
st.subheader(t("cd_sites_table", L))
st.dataframe(result.sites, hide_index=True, column_config=cd_headers(result.sites.columns, L))
st.subheader(t("cd_sources_table", L))
sources = result.sources.assign(category=result.sources["category"].map(lambda key: cd_category_name(key, L)))
st.dataframe(sources, hide_index=True, column_config=cd_headers(sources.columns, L))
