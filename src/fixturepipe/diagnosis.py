"""Failure diagnosis: which simple wrong computation a failing output is, in one sentence.

A catalogue of explanations, each a prediction of what a typical kernel bug would write,
built from the float32 reference; the first whose prediction matches the kernel's
output within the fixture's tolerance is reported (terminal failure line, report.json,
report.html).  In catalogue order:

1. a region never written (still the output poison), the rest right;
2. NaN read from uninitialised threadgroup memory confined to a region, the rest right;
3. NaN or inf written by the kernel confined to a region, the rest right;
4. transposed within each block;
5. sign of the off-diagonal elements flipped;
6. shifted by one along an axis (leading axis, rows or columns of each block);
7. a leading axis (heads, chunks, batches) mixed up: permuted, all reading index 0, or
   another index map, with some indices possibly never written;
8. scaled by a constant.

Blocks and axis names come from :mod:`fixturepipe.blocks`, so the sentences say "rows
60-63 of every block" or "head 2 holds head 0's result" for any spec's output shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from fixturepipe import blocks, poison

Explanation = Callable[[np.ndarray, np.ndarray, "Context"], "str | None"]


class Context:
    """What every explanation needs: block views, the poison classes, the tolerance."""

    def __init__(self, out: np.ndarray, ref: np.ndarray, shape: Sequence[str | int],
                 sizes: Mapping[str, int], tolerance: Mapping[str, Any]) -> None:
        self.out = blocks.view(out, shape, sizes)
        self.ref = blocks.view(ref, shape, sizes)
        self.o = self.out.array.astype(np.float64)
        self.r = self.ref.array.astype(np.float64)
        self.classes = {k: blocks.view(v, shape, sizes).array
                        for k, v in poison.classify(out, ref).items()}
        finite = np.abs(self.r[np.isfinite(self.r)])
        scale = float(finite.max()) if finite.size else 0.0
        self.atol = _abs_tolerance(tolerance, scale, out.dtype)

    def fits(self, predicted: np.ndarray, where: np.ndarray | None = None) -> bool:
        """Whether the output equals ``predicted`` within tolerance wherever ``where`` (and
        ``predicted`` is finite), and the prediction is not simply the reference there."""
        mask = np.isfinite(predicted) & np.isfinite(self.r)
        if where is not None:
            mask &= where
        if not mask.any():
            return False
        o, p = self.o[mask], predicted[mask]
        return bool(np.isfinite(o).all() and (np.abs(o - p) <= self.atol).all())

    def differs(self, predicted: np.ndarray) -> bool:
        """Whether ``predicted`` is not the reference itself (a real explanation)."""
        mask = np.isfinite(predicted) & np.isfinite(self.r)
        return bool((np.abs(predicted[mask] - self.r[mask]) > self.atol).any())


def _abs_tolerance(tolerance: Mapping[str, Any], scale: float, dtype: np.dtype) -> float:
    """The absolute error the fixture's tolerance allows at the output's scale."""
    try:
        spacing = float(np.spacing(np.asarray(scale, dtype=dtype))) if scale else 0.0
    except TypeError:  # dtypes numpy cannot space (bfloat16): 8 bits of mantissa
        spacing = scale * 2.0**-7
    allowed = [float(tolerance["max_abs"])] if "max_abs" in tolerance else []
    if "max_ulp" in tolerance:
        allowed.append(float(tolerance["max_ulp"]) * spacing)
    return max(allowed) if allowed else 4 * spacing


def describe(mask: np.ndarray, b: blocks.Blocks) -> str:
    """Where ``mask`` (block view shape) is true, in rows/columns and blocks."""
    hit = mask.any(axis=(-1, -2))
    where = ""
    if b.lead and not hit.all():
        picked = [np.flatnonzero(hit.any(axis=tuple(a for a in range(hit.ndim) if a != k)))
                  for k in range(hit.ndim)]
        product = np.ix_(*picked)
        box = np.zeros_like(hit)
        box[product] = True
        if (box == hit).all():
            parts = [f"{name} {blocks.ranges(list(idx))}"
                     for name, idx, n in zip(b.lead, picked, hit.shape, strict=True)
                     if len(idx) < n]
            where = " of the blocks with " + ", ".join(parts)
        else:
            where = f" of {int(hit.sum())} of {hit.size} blocks"
    elif b.lead:
        where = " of every block"
    inside = mask[hit]
    rows = np.flatnonzero(inside.any(axis=(0, 2)))
    cols = np.flatnonzero(inside.any(axis=(0, 1)))
    full = np.zeros(inside.shape[1:], dtype=bool)
    full[np.ix_(rows, cols)] = True
    r, c = blocks.ranges(list(rows)), blocks.ranges(list(cols))
    rw, cw = ("row" if len(rows) == 1 else "rows"), ("column" if len(cols) == 1 else "columns")
    if (inside == full).all():
        if len(cols) == inside.shape[2]:
            return f"{rw} {r}{where}"
        if len(rows) == inside.shape[1]:
            return f"{cw} {c}{where}"
        return f"{rw} {r} x {cw} {c}{where}"
    return f"{int(mask.sum())} elements within {rw} {r} x {cw} {c}{where}"


def _confined(classes: Sequence[str], words: str) -> Explanation:
    def explain(o: np.ndarray, r: np.ndarray, ctx: Context) -> str | None:
        mask = np.logical_or.reduce([ctx.classes[c] for c in classes])
        others = np.logical_or.reduce([v for k, v in ctx.classes.items() if k not in classes])
        if not mask.any() or (others & ~mask).any() or not ctx.fits(r, ~mask):
            return None
        return f"{words} {describe(mask, ctx.out)}; every other element matches the reference"
    return explain


def _transposed(o: np.ndarray, r: np.ndarray, ctx: Context) -> str | None:
    if not ctx.out.square:
        return None
    predicted = np.swapaxes(r, -1, -2)
    if ctx.differs(predicted) and ctx.fits(predicted):
        n = r.shape[-1]
        return f"transposed within each {n} x {n} block"
    return None


def _off_diagonal_sign(o: np.ndarray, r: np.ndarray, ctx: Context) -> str | None:
    if not ctx.out.square:
        return None
    n = r.shape[-1]
    predicted = r * (2 * np.eye(n) - 1)
    if ctx.differs(predicted) and ctx.fits(predicted):
        return "the sign of every off-diagonal element of each block is flipped"
    return None


def _shifted(o: np.ndarray, r: np.ndarray, ctx: Context) -> str | None:
    names = [*ctx.out.lead, "row", "column"]
    for axis, name in enumerate(names):
        n = r.shape[axis]
        if n < 3:
            continue
        for delta in (1, -1):
            predicted = np.full_like(r, np.nan)
            dst = [slice(None)] * r.ndim
            src = [slice(None)] * r.ndim
            dst[axis] = slice(1, None) if delta == 1 else slice(None, -1)
            src[axis] = slice(None, -1) if delta == 1 else slice(1, None)
            predicted[tuple(dst)] = r[tuple(src)]
            if ctx.differs(predicted) and ctx.fits(predicted):
                where = "every block" if axis >= len(ctx.out.lead) else "the output"
                sign = "-" if delta == 1 else "+"
                return (f"shifted by one {name} in {where}: {name} i holds the reference's "
                        f"{name} i{sign}1")
    return None


def _index_map(o: np.ndarray, r: np.ndarray, ctx: Context) -> str | None:
    unwritten = ctx.classes["unwritten"]
    for axis, name in enumerate(ctx.out.lead):
        n = r.shape[axis]
        if n < 2:
            continue
        mapping: dict[int, int | None] = {}
        for i in range(n):
            take = [slice(None)] * r.ndim
            take[axis] = i
            if unwritten[tuple(take)].all():
                mapping[i] = None
                continue
            candidates = [i, *(j for j in range(n) if j != i)]
            found = next((j for j in candidates if _slice_fits(ctx, axis, i, j)), -1)
            if found < 0:
                break
            mapping[i] = found
        else:
            if all(mapping[i] == i for i in mapping):
                continue
            return _index_sentence(name, mapping)
    return None


def _slice_fits(ctx: Context, axis: int, i: int, j: int) -> bool:
    take_i = [slice(None)] * ctx.r.ndim
    take_j = list(take_i)
    take_i[axis], take_j[axis] = i, j
    o, p = ctx.o[tuple(take_i)], ctx.r[tuple(take_j)]
    mask = np.isfinite(p)
    return bool(mask.any() and np.isfinite(o[mask]).all()
                and (np.abs(o[mask] - p[mask]) <= ctx.atol).all())


def _plural(name: str) -> str:
    return f"{name}es" if name.endswith(("ch", "sh", "s", "x")) else f"{name}s"


def _index_sentence(name: str, mapping: Mapping[int, int | None]) -> str:
    names = _plural(name)
    written = {i: j for i, j in mapping.items() if j is not None}
    missing = [i for i, j in mapping.items() if j is None]
    tail = f"; {names} {blocks.ranges(missing)} never written" if missing else ""
    if written and len(missing) == 0 and set(written.values()) == {0}:
        return f"every {name} holds {name} 0's result (all read {name} index 0)"
    wrong = {i: j for i, j in written.items() if i != j}
    pairs = ", ".join(f"{name} {i} holds {name} {j}'s result" for i, j in wrong.items())
    if not missing and sorted(written.values()) == sorted(written):
        return f"{names} permuted: {pairs}"
    return f"{names} mixed up (a {name} index or stride bug): {pairs or 'none moved'}{tail}"


def _scaled(o: np.ndarray, r: np.ndarray, ctx: Context) -> str | None:
    both = np.isfinite(o) & np.isfinite(r)
    denominator = float((r[both] * r[both]).sum())
    if not denominator:
        return None
    c = float((o[both] * r[both]).sum()) / denominator
    predicted = c * r
    if c != 1 and ctx.differs(predicted) and ctx.fits(predicted):
        return f"scaled by a constant: about {c:.6g} x the reference"
    return None


CATALOGUE: tuple[tuple[str, Explanation], ...] = (
    ("never_written", _confined(["unwritten"], "a region never written:")),
    ("uninitialised_threadgroup", _confined(
        ["uninitialised_threadgroup"], "NaN from uninitialised threadgroup memory confined to")),
    ("non_finite_region", _confined(
        ["nan_written", "inf_written"], "NaN/inf written by the kernel confined to")),
    ("transposed", _transposed),
    ("off_diagonal_sign", _off_diagonal_sign),
    ("shifted", _shifted),
    ("index_map", _index_map),
    ("scaled", _scaled),
)


def explain(out: np.ndarray, ref: np.ndarray, shape: Sequence[str | int],
            sizes: Mapping[str, int], tolerance: Mapping[str, Any]) -> dict[str, str] | None:
    """The first catalogue explanation that fits: ``{"kind", "sentence"}``, or None."""
    ctx = Context(out, ref, shape, sizes, tolerance)
    for kind, explanation in CATALOGUE:
        sentence = explanation(ctx.o, ctx.r, ctx)
        if sentence:
            return {"kind": kind, "sentence": sentence}
    return None


def annotate(verdict: dict[str, Any], outputs: Mapping[str, np.ndarray],
             references: Mapping[str, np.ndarray], shapes: Mapping[str, Sequence[str | int]],
             sizes: Mapping[str, int], tolerance: Mapping[str, Any]) -> None:
    """Add each failing output's diagnosis to ``verdict`` (a :func:`compare.compare` result):
    ``outputs[name]["diagnosis"]`` and the output's failure sentence."""
    sentences = []
    for name, entry in verdict["outputs"].items():
        failure = entry.get("failure")
        if not failure:
            continue
        found = explain(outputs[name], references[name], shapes[name], sizes, tolerance)
        entry["diagnosis"] = found
        sentences.append(f"{failure}. Looks like: {found['sentence']}" if found else failure)
    verdict["failures"] = sentences
