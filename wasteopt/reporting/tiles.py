"""Online XYZ tiles under the static maps: optional, off by default and never needed.

The setting is the app's (an XYZ URL template such as ``https://…/{z}/{x}/{y}.png``, e.g. a provider the planner
holds a key for; ``WASTEOPT_TILES`` gives it outside the app). Tiles are fetched with contextily (requests), warped
from Web Mercator to the maps' lon/lat degrees and drawn under the plan with the server's host written on the map.
A failure (offline, a bad URL, a server that sends no image) leaves the maps as they are without tiles; it is kept
so the report says it once and no later map waits for the same server again.
"""
from __future__ import annotations

import math
import os
import re
from urllib.parse import urlsplit

TILES_ENV = "WASTEOPT_TILES"
TIMEOUT_S = (5, 20)  # connect, read: an unreachable server fails the map quickly
MAX_ZOOM = 18
TILE_PX = 256
MAX_ERROR_CHARS = 240  # of a failure's words in the report
QUERY = re.compile(r"\?[^\s'\")]*")  # a URL's query: where a provider's key goes


def valid_tile_url(url: str) -> bool:
    """An http(s) XYZ template: {z}, {x} and {y} each once."""
    return url.startswith(("http://", "https://")) and all(url.count(part) == 1 for part in ("{z}", "{x}", "{y}"))


def tile_setting(url: str | None = None) -> str | None:
    """The tile URL template to use: ``url`` when given ("" = none), else ``WASTEOPT_TILES``; None when empty."""
    url = os.environ.get(TILES_ENV, "") if url is None else url
    return url.strip() or None


def tile_zoom(width_px: float, west: float, east: float) -> int:
    """The zoom level whose 256-pixel tiles are at least as fine as a map ``width_px`` wide over west–east."""
    zoom = math.ceil(math.log2(max(width_px, 1) * 360 / (TILE_PX * max(east - west, 1e-9))))
    return min(max(zoom, 0), MAX_ZOOM)


class Basemap:
    """Tiles from one XYZ URL template for the static maps: fetched once per extent and zoom, drawn under a map
    (zorder 0) with ``host`` written at its foot. ``error`` holds the first failure; after it nothing is fetched."""

    def __init__(self, url: str):
        self.url = url
        self.host = urlsplit(url).hostname or url
        self.error: str | None = None if valid_tile_url(url) else (
            "地址须为含 {z}、{x}、{y} 的 http(s) 模板 not an http(s) URL template with {z}, {x} and {y} once each")
        self.drawn = 0
        self._images: dict[tuple, tuple] = {}

    def _image(self, west: float, south: float, east: float, north: float, zoom: int):
        key = (round(west, 6), round(south, 6), round(east, 6), round(north, 6), zoom)
        if key not in self._images:
            import contextily

            image, extent = contextily.bounds2img(west, south, east, north, zoom=zoom, source=self.url, ll=True,
                                                  use_cache=False, timeout=TIMEOUT_S, max_retries=1, n_connections=4)
            self._images[key] = contextily.warp_tiles(image, extent, t_crs="EPSG:4326")
        return self._images[key]

    def draw(self, ax, fills=(), fill_alpha: float = 0.6) -> bool:
        """Tiles under what ``ax`` shows (its limits are kept), ``fills`` (collections) made see-through to
        ``fill_alpha``; False, the map untouched, when there is or was a failure."""
        if self.error:
            return False
        (west, east), (south, north) = ax.get_xlim(), ax.get_ylim()
        zoom = tile_zoom(ax.get_window_extent().width, west, east)
        try:
            image, extent = self._image(west, south, east, north, zoom)
        except Exception as error:  # noqa: BLE001 — any failure of an optional layer: the map is drawn without it
            said = QUERY.sub("?…", f"{type(error).__name__}: {' '.join(str(error).split())}")  # no key in a report
            self.error = said if len(said) <= MAX_ERROR_CHARS else said[:MAX_ERROR_CHARS - 1] + "…"
            return False
        ax.imshow(image, extent=extent, zorder=0, interpolation="bilinear")
        ax.set_xlim(west, east)
        ax.set_ylim(south, north)
        for fill in fills:
            fill.set_alpha(fill_alpha)
        ax.text(0.995, 0.003, f"底图 tiles: {self.host}", transform=ax.transAxes, ha="right", va="bottom", fontsize=6,
                color="#444444", zorder=7)
        self.drawn += 1
        return True

    def note(self) -> str:
        """One sentence for the report (plain text): where the tiles came from, or why the maps have none."""
        if self.error:
            return (f"在线底图瓦片未能加载，地图未用底图 online basemap tiles could not be loaded, the maps are drawn "
                    f"without them ({self.host}: {self.error}).")
        if self.drawn:
            return (f"在线底图瓦片 online basemap tiles: {self.host} (XYZ; 请遵守其使用条款与署名要求 mind its terms "
                    "and attribution).")
        return ""
