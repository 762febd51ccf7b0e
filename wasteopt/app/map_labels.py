"""Place names on the app's maps that do not collide at the view the map opens on: every prefecture name, and each
county name that overlaps no other name and no plant symbol (the more populous first). Worked out in the screen
pixels of deck.gl's Web Mercator view; zooming in only moves the names apart. No Streamlit here."""
from __future__ import annotations

import numpy as np
import pandas as pd

TILE_PX = 512  # deck.gl's zoom counts 512-pixel tiles
LINE_HEIGHT = 1.25  # a text box's height per pixel of font size
HALO_PX = 2  # the white outline around a name


def screen_xy(lon, lat, zoom: float) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator pixels of lon/lat degrees at ``zoom`` (origin at the world's north-west corner)."""
    world = TILE_PX * 2.0 ** zoom
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return (lon + 180) / 360 * world, (1 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2 * world


def text_width_px(text: str, size_px: float) -> float:
    """Width of a name drawn at ``size_px``: a 汉字 is as wide as the font is high, a Latin letter about 0.6 of it."""
    return sum(size_px if ord(char) >= 0x2E80 else 0.6 * size_px for char in text)


def label_boxes(names: pd.DataFrame, zoom: float, size_px: float, above: bool) -> np.ndarray:
    """(x0, y0, x1, y1) screen boxes of ``names`` (name, lon, lat, offset_px): centred on their point, above it
    (bottom ``offset_px`` over the point) or below it (top ``offset_px`` under it)."""
    x, y = screen_xy(names["lon"], names["lat"], zoom)
    width = np.array([text_width_px(name, size_px) for name in names["name"]]) + 2 * HALO_PX
    height = LINE_HEIGHT * size_px + 2 * HALO_PX
    offset = names["offset_px"].to_numpy(float)
    top = y - offset - height if above else y + offset
    return np.column_stack([x - width / 2, top, x + width / 2, top + height])


def symbol_boxes(points: pd.DataFrame, zoom: float) -> np.ndarray:
    """Screen boxes of round symbols (lon, lat, radius in pixels)."""
    x, y = screen_xy(points["lon"], points["lat"], zoom)
    radius = points["radius"].to_numpy(float) + 1  # the outline
    return np.column_stack([x - radius, y - radius, x + radius, y + radius])


def overlaps(box: np.ndarray, boxes: np.ndarray) -> bool:
    """Whether ``box`` overlaps any of ``boxes``."""
    return bool(len(boxes)) and bool(np.any((box[0] < boxes[:, 2]) & (boxes[:, 0] < box[2]) &
                                            (box[1] < boxes[:, 3]) & (boxes[:, 1] < box[3])))


def free_names(names: pd.DataFrame, zoom: float, size_px: float, taken: np.ndarray) -> pd.DataFrame:
    """The rows of ``names`` (in priority order; drawn below their point) whose box overlaps nothing ``taken`` and no
    name kept before them."""
    boxes, kept = label_boxes(names, zoom, size_px, above=False), []
    for i, box in enumerate(boxes):
        if not overlaps(box, taken):
            kept.append(i)
            taken = np.vstack([taken, box])
    return names.iloc[kept]
