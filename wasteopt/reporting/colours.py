"""One colour per facility status and main road class, shared by the app's maps and the report's figures, so a
colour means the same thing wherever a reviewer sees it."""
from __future__ import annotations

STATUS_RGB = {
    "existing": (31, 119, 180),  # blue
    "expanded": (255, 127, 14),  # orange
    "new": (44, 160, 44),  # green
    "landfill": (214, 39, 40),  # red: a landfill still taking raw MSW
    "stopped": (120, 120, 120),  # grey: a landfill that stopped taking raw MSW
}


ROAD_RGB = {"motorway": (204, 68, 25), "trunk": (226, 130, 40), "primary": (170, 130, 60)}  # a built network's main roads


def hex_colour(status: str) -> str:
    """'#rrggbb' of a status, for matplotlib."""
    return "#{:02x}{:02x}{:02x}".format(*STATUS_RGB[status])
