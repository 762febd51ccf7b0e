"""wasteopt planner app: `streamlit run app.py` (or `make app`). A thin face over the library."""
import streamlit as st

from wasteopt.app.state import keep_widget_state, lang, tile_setting
from wasteopt.reporting.labels import DEFAULT_LANGUAGE, LANGUAGES, t

st.set_page_config(page_title="wasteopt · 河南", page_icon=":material/recycling:", layout="wide")
keep_widget_state()
st.session_state.setdefault("lang", DEFAULT_LANGUAGE)
st.sidebar.radio(t("language", lang()), list(LANGUAGES), key="lang", format_func=LANGUAGES.get, horizontal=True)

PAGES = "wasteopt/app/pages"
navigation = st.navigation([
    st.Page(f"{PAGES}/scenario_page.py", title=t("page_scenario", lang()), icon=":material/tune:", url_path="scenario", default=True),
    st.Page(f"{PAGES}/map_page.py", title=t("page_map", lang()), icon=":material/map:", url_path="map"),
    st.Page(f"{PAGES}/compare_page.py", title=t("page_compare", lang()), icon=":material/compare:", url_path="compare"),
    st.Page(f"{PAGES}/robust_page.py", title=t("page_robust", lang()), icon=":material/shield:", url_path="robust"),
    st.Page(f"{PAGES}/routes_page.py", title=t("page_routes", lang()), icon=":material/local_shipping:", url_path="routes"),
    st.Page(f"{PAGES}/cd_page.py", title=t("page_cd", lang()), icon=":material/fact_check:", url_path="cd"),
    st.Page(f"{PAGES}/export_page.py", title=t("page_export", lang()), icon=":material/download:", url_path="export"),
])
tile_setting()
st.sidebar.caption(t("app_title", lang()))
navigation.run()
