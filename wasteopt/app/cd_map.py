"""The C&D page's map: sites (licensed or not, circle area ∝ fill share) and anomalies coloured by kind."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pydeck as pdk

from wasteopt.app.maps import TOOLTIP
from wasteopt.cd.reconcile import ANOMALY_KINDS, Reconciliation
from wasteopt.reporting.labels import t

KIND_COLOURS = dict(zip(ANOMALY_KINDS, ([228, 26, 28], [152, 78, 163], [255, 127, 0], [55, 126, 184], [166, 86, 40],
                                        [247, 129, 191])))
LICENSED_COLOUR, UNLICENSED_COLOUR = [77, 175, 74, 160], [90, 90, 90, 200]


def cd_deck(result: Reconciliation, lang: str, height_px: int = 520) -> pdk.Deck:
    sites = result.sites.dropna(subset=["lon", "lat"]).copy()
    fill = sites["fill_share"].fillna(0).clip(0, 1)
    sites["radius"] = 6 + 24 * np.sqrt(fill)
    sites["colour"] = [LICENSED_COLOUR if bool(v) else UNLICENSED_COLOUR for v in sites["licensed"]]
    fill_text = ["—" if pd.isna(v) else f"{100 * v:.1f} %" for v in sites["fill_share"]]
    sites["tip"] = [f"{name} · {t('cd_site_licensed' if bool(lic) else 'cd_site_unlicensed', lang)}\n"
                    f"{intake:,.0f} t · {t('cd_fill', lang)} {fill}"
                    for name, lic, intake, fill in zip(sites["name"], sites["licensed"], sites["intake_t"], fill_text)]
    anomalies = result.anomalies.dropna(subset=["lon", "lat"]).copy()
    anomalies["colour"] = [KIND_COLOURS.get(k, [0, 0, 0]) for k in anomalies["kind"]]
    anomalies["tip"] = [f"{t(k, lang)} · {m}\n{time}\n{e}" for k, m, time, e in
                        zip(anomalies["kind"], anomalies["manifest_id"], anomalies["time"], anomalies["evidence"])]
    layers = [pdk.Layer("ScatterplotLayer", sites[["lon", "lat", "radius", "colour", "tip"]], get_position=["lon", "lat"],
                        get_radius="radius", radius_units="pixels", get_fill_color="colour", pickable=True),
              pdk.Layer("ScatterplotLayer", anomalies[["lon", "lat", "colour", "tip"]], get_position=["lon", "lat"],
                        get_radius=4, radius_units="pixels", get_fill_color="colour", pickable=True)]
    points = pd.concat([sites[["lon", "lat"]], anomalies[["lon", "lat"]]])
    view = pdk.ViewState(longitude=float(points["lon"].mean()) if len(points) else 113.6,
                         latitude=float(points["lat"].mean()) if len(points) else 34.0, zoom=10 if len(points) else 6)
    return pdk.Deck(layers=layers, initial_view_state=view, map_provider=None, map_style=None, tooltip=TOOLTIP,
                    height=height_px)
