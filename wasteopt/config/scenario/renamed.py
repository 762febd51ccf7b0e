"""Keys that changed name: the old name is read for one release, with a warning naming the old key, the new key
and the line, so a planner's file keeps working while it is being renamed."""
from __future__ import annotations

import warnings

from wasteopt.config.errors import ScenarioError
from wasteopt.config.scenario.messages import key_path_text, nearest_line

# old key path → new last part. A tonne of product sold has one price name in every technology
# (recyclers and sorting centres both multiply it by their product_share).
RENAMED_KEYS: dict[tuple[str, ...], str] = {
    ("cd", "recycler", "product_revenue_cny_per_t"): "product_price_cny_per_t",
    ("sorting", "sorting_centre", "sales_revenue_cny_per_t"): "product_price_cny_per_t",
}


def with_new_names(data: dict, lines: dict[tuple, str]) -> dict:
    """``data`` with every old key (also in a future's changes) under its new name, a FutureWarning for each;
    an old key given beside its new one is a ScenarioError. ``lines``: key path → 'file, line N'."""
    data = _renamed(data, (), lines)
    uncertainty = data.get("uncertainty")
    futures = uncertainty.get("futures") if isinstance(uncertainty, dict) else None
    if isinstance(futures, list):
        futures = [{**future, "changes": _renamed(future["changes"], ("uncertainty", "futures", i, "changes"), lines)}
                   if isinstance(future, dict) and isinstance(future.get("changes"), dict) else future
                   for i, future in enumerate(futures)]
        data = {**data, "uncertainty": {**uncertainty, "futures": futures}}
    return data


def _renamed(data: dict, prefix: tuple, lines: dict[tuple, str]) -> dict:
    for path, new in RENAMED_KEYS.items():
        parent = data
        for part in path[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if not isinstance(parent, dict) or path[-1] not in parent:
            continue
        old_key, new_key = key_path_text(prefix + path), key_path_text(prefix + path[:-1] + (new,))
        where = nearest_line(lines, prefix + path)
        at = f" ({where})" if where else ""
        if new in parent:
            raise ScenarioError(f"key '{old_key}'{at}: the old name of '{new_key}', which is given too; remove it")
        warnings.warn(f"key '{old_key}'{at} is deprecated: it is now '{new_key}' (same meaning); rename it, the old "
                      "name is read only until the next release", FutureWarning, stacklevel=2)
        data = _moved(data, path, new)
    return data


def _moved(data: dict, path: tuple[str, ...], new: str) -> dict:
    """A copy of ``data`` with the key at ``path`` renamed ``new`` in place (the order of keys kept)."""
    head, *rest = path
    if not rest:
        return {(new if key == head else key): value for key, value in data.items()}
    return {**data, head: _moved(data[head], tuple(rest), new)}
