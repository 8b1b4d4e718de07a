"""The verify report's figures of one fixture output, drawn with matplotlib (Agg, no GUI).

(a) ``block_map``: max |error| in ULPs per block over the leading axes (batch x chunk x
head for FLA layouts), so stride and head bugs show as patterns; (b) ``worst_block``: the
signed error in ULPs inside the worst block; (c) ``histogram``: per-element |error| in
ULPs against the tolerance line; (d) ``non_finite``: where the output is unwritten, NaN
from uninitialised threadgroup memory, or NaN/inf the kernel wrote (only when there are
any).  Imported only when a figure must be (re)drawn, so a no-op verify never loads
numpy or matplotlib.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from fixturepipe import atomic, binio, blocks, error_map, poison

_DPI = 72


def _save(fig: Figure, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    # No timestamps or software versions in the file: equal data, equal bytes.
    fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    atomic.write_bytes(path, buffer.getvalue())


def _grid(values: np.ndarray) -> np.ndarray:
    """A 2-D grid of per-block values: rows = all leading axes but the last, columns = last."""
    return values.reshape(1, -1) if values.ndim < 2 else values.reshape(-1, values.shape[-1])


def _block_map(fig: Figure, entry: Mapping[str, Any], tol: float | None) -> None:
    bm = entry["block_map"]
    values = np.array(bm["max_ulp"], dtype=np.float64)
    grid = _grid(values)
    ax = fig.add_subplot()
    shown = np.where(np.isfinite(grid), grid, np.nan)
    top = max(float(np.nanmax(shown)) if np.isfinite(shown).any() else 1.0, tol or 1.0, 1e-9)
    cmap = ListedColormap(["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#fdae6b", "#e6550d",
                           "#a50f15"]).with_extremes(bad="#000000")
    image = ax.imshow(shown, cmap=cmap, vmin=0, vmax=top, aspect="auto", interpolation="nearest")
    fig.colorbar(image, ax=ax, label="max |error| (ULP); black = non-finite")
    lead = bm["lead"]
    rows, cols = grid.shape
    ax.set_xticks(range(cols) if cols <= 32 else range(0, cols, max(1, cols // 8)))
    # Row labels: the indices of every leading axis but the last ("batch, chunk").
    row_index = list(np.ndindex(*values.shape[:-1])) if values.ndim > 1 else [()]
    step = 1 if rows <= 24 else max(1, rows // 12)
    ax.set_yticks(range(0, rows, step),
                  [",".join(map(str, row_index[r])) for r in range(0, rows, step)])
    ax.set_xlabel(lead[-1] if lead else "")
    ax.set_ylabel(" x ".join(lead[:-1]) if len(lead) > 1 else "")
    if grid.size <= 64:
        for (r, c), v in np.ndenumerate(grid):
            text = "inf" if not np.isfinite(v) else f"{v:.3g}"
            ax.text(c, r, text, ha="center", va="center", fontsize=7)
    ax.set_title(f"max |error| per block ({' x '.join(lead) or 'one block'})", fontsize=9)


def _worst_block(fig: Figure, err: blocks.Blocks, worst: list[int]) -> None:
    block = err.array[tuple(worst)] if worst else err.array.reshape(err.array.shape[-2:])
    ax = fig.add_subplot()
    finite = block[np.isfinite(block)]
    lim = max(float(np.abs(finite).max()) if finite.size else 1.0, 1e-9)
    cmap = ListedColormap(_diverging()).with_extremes(bad="#000000")
    image = ax.imshow(np.where(np.isfinite(block), block, np.nan), cmap=cmap, vmin=-lim,
                      vmax=lim, interpolation="nearest")
    fig.colorbar(image, ax=ax, label="out - ref (ULP); black = non-finite")
    ax.set_xlabel(err.cols)
    ax.set_ylabel(err.rows)
    ax.set_title(f"signed error in the worst block ({err.block_name(worst)})", fontsize=9)


def _diverging() -> list[tuple[float, float, float]]:
    n = 64
    down = [(i / n, i / n, 1.0) for i in range(n)]
    up = [(1.0, 1 - i / n, 1 - i / n) for i in range(n)]
    return down + up


def _histogram(fig: Figure, err: np.ndarray, tol: float | None) -> None:
    ax = fig.add_subplot()
    finite = np.abs(err[np.isfinite(err)])
    top = max(float(finite.max()) if finite.size else 1.0, tol or 0.0, 1.0)
    ax.hist(finite, bins=60, range=(0, top * 1.05), color="#3182bd")
    ax.set_yscale("log")
    if tol is not None:
        ax.axvline(tol, color="#e6550d", linestyle="--", label=f"tolerance {tol:g} ULP")
        ax.legend(fontsize=8)
    bad = int((~np.isfinite(err)).sum())
    extra = f"; {bad} non-finite not shown" if bad else ""
    ax.set_xlabel("|out - ref| (ULP at the output's scale)")
    ax.set_ylabel("elements")
    ax.set_title(f"per-element error ({finite.size} elements{extra})", fontsize=9)


def _non_finite(fig: Figure, classes: Mapping[str, blocks.Blocks]) -> None:
    codes = None
    for code, name in enumerate(poison.CATEGORIES, start=1):
        b = classes[name]
        if codes is None:
            codes = np.zeros(b.array.shape, dtype=np.int8)
        codes[b.array] = code
    assert codes is not None
    # Tile the blocks: rows = leading axes but the last x block rows, columns = last x cols.
    lead = codes.shape[:-2]
    r, c = codes.shape[-2:]
    last = lead[-1] if lead else 1
    tiled = codes.reshape(-1, last, r, c).transpose(0, 2, 1, 3).reshape(-1, last * c)
    ax = fig.add_subplot()
    colours = ["#f0f0f0", "#756bb1", "#e6550d", "#de2d26", "#31a354"]
    ax.imshow(tiled, cmap=ListedColormap(colours), vmin=0, vmax=len(colours) - 1,
              aspect="auto", interpolation="nearest")
    names = ["finite", "unwritten", "uninitialised threadgroup", "NaN written", "inf written"]
    for colour, name in zip(colours, names, strict=True):
        ax.plot([], [], "s", color=colour, label=name)
    ax.legend(fontsize=7, loc="upper right")
    b = next(iter(classes.values()))
    ax.set_xlabel(f"{b.lead[-1] if b.lead else ''} x {b.cols}".strip(" x"))
    ax.set_ylabel(" x ".join([*b.lead[:-1], b.rows]))
    ax.set_title("non-finite elements where the reference is finite", fontsize=9)


def draw(entry: Mapping[str, Any], tolerance: Mapping[str, Any], folder: Path,
         output: str) -> dict[str, str]:
    """Draw the figures of one output (an entry of compare.json) into ``folder``.

    Returns {kind: file path}; ``non_finite`` only when the output has such elements.
    """
    arrays = entry["arrays"]
    shape, sizes, layout = tuple(arrays["shape"]), arrays["sizes"], arrays["layout"]
    out = binio.read_array(arrays["output"], shape, arrays["dtype"])
    ref = binio.read_array(arrays["reference"], shape, arrays["dtype"])
    err = error_map.signed_ulps(out, ref)
    tol = float(tolerance["max_ulp"]) if "max_ulp" in tolerance else None
    made: dict[str, str] = {}

    def figure(kind: str, paint: Any, *args: Any) -> None:
        fig = Figure(figsize=(4.8, 3.6), layout="constrained")
        paint(fig, *args)
        path = folder / f"{output}.{kind}.png"
        _save(fig, path)
        made[kind] = path.as_posix()

    figure("block_map", _block_map, entry, tol)
    figure("worst_block", _worst_block, blocks.view(err, layout, sizes),
           entry["block_map"]["worst"])
    figure("histogram", _histogram, err, tol)
    classes = poison.classify(out, ref)
    if any(v.any() for v in classes.values()):
        figure("non_finite", _non_finite,
               {k: blocks.view(v, layout, sizes) for k, v in classes.items()})
    return made
