"""Matplotlib set-up shared by the report's maps and charts (and a sweep's Pareto chart): a CJK font so 汉字
draw (Debian fonts-noto-cjk; without one they draw as boxes), figures rendered off-screen to PNG bytes."""
from __future__ import annotations

import io

from wasteopt.reporting.colours import hex_colour


CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "WenQuanYi Zen Hei")

STATUS_COLOURS = {status: hex_colour(status) for status in ("existing", "expanded", "new")}  # as in the app


def cjk_font() -> str | None:
    """The first installed CJK font family matplotlib can use, or None."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def setup_fonts() -> str | None:
    """Put a CJK font first in matplotlib's sans-serif list; returns its name (None: 汉字 will be boxes)."""
    import matplotlib

    matplotlib.use("Agg")
    font = cjk_font()
    matplotlib.rcParams["font.sans-serif"] = ([font] if font else []) + ["DejaVu Sans"]
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["axes.unicode_minus"] = False
    return font


def figure_png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def new_figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))
