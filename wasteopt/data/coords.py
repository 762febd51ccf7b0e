"""GCJ-02 (the offset datum of Chinese web maps, e.g. the DataV boundaries) to WGS84."""
from __future__ import annotations

import numpy as np
import shapely


_KRASOVSKY_A = 6378245.0  # m, semi-major axis used by the published GCJ-02 formula
_KRASOVSKY_EE = 0.00669342162296594323  # first eccentricity squared


def _gcj02_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS84 at a WGS84 point, degrees (the widely published forward formula)."""
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x)) + common
             + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
             + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    d_lon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x)) + common
             + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
             + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad_lat = np.radians(lat)
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    d_lat = d_lat * 180.0 / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * np.sqrt(magic)) * np.pi)
    d_lon = d_lon * 180.0 / (_KRASOVSKY_A / np.sqrt(magic) * np.cos(rad_lat) * np.pi)
    return d_lon, d_lat


def gcj02_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon, lat (deg) of GCJ-02 points, by fixed-point inversion of the forward formula (< 1e-9° residual)."""
    g_lon, g_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(30):  # the offset varies slowly, so each step gains ~4 digits; 3–4 steps suffice
        d_lon, d_lat = _gcj02_offset(w_lon, w_lat)
        new_lon, new_lat = g_lon - d_lon, g_lat - d_lat
        done = np.nanmax(np.abs(np.concatenate([np.ravel(new_lon - w_lon), np.ravel(new_lat - w_lat)])), initial=0.0) < 1e-12
        w_lon, w_lat = new_lon, new_lat
        if done:
            break
    return w_lon, w_lat


def geometries_to_wgs84(geometries: np.ndarray) -> np.ndarray:
    """Shapely geometries in GCJ-02 lon/lat → WGS84, made valid."""
    def convert(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(gcj02_to_wgs84(xy[:, 0], xy[:, 1]))

    return shapely.make_valid(shapely.transform(geometries, convert))
