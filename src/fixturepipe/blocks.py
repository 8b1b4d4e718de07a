"""How an output is cut into blocks, so error maps and diagnoses speak in the kernel's terms.

A kernel's bugs follow its launch: a stride bug hits every other head, an off-by-one one
row of every chunk.  So an output array is viewed as ``[*leading axes, rows, columns]``:

* FLA layouts ``[B, T, H, D]`` (second axis ``T`` and a chunk size ``BT`` in the
  fixture's sizes that divides it): leading axes batch x chunk x head, each block the
  ``[BT, D]`` rows of one chunk of one head (``D`` may be ``BT``, ``K``, ``V``, ...).
* Anything else: the last two axes are the block, the axes before them lead (a 1-D
  output is one row).

Only the spec's shape expressions and the fixture's sizes are used, never a kernel's name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Blocks:
    """An output viewed as blocks: ``array`` is ``[*lead, rows, cols]``."""

    array: np.ndarray
    lead: tuple[str, ...]
    rows: str
    cols: str

    @property
    def square(self) -> bool:
        """Whether each block is square (transposes are meaningful)."""
        return self.array.shape[-1] == self.array.shape[-2]

    def block_name(self, index: Sequence[int]) -> str:
        """``batch 0, chunk 1, head 3`` for a leading index."""
        return ", ".join(f"{n} {i}" for n, i in zip(self.lead, index, strict=True)) or "the block"


def view(array: np.ndarray, shape: Sequence[str | int], sizes: Mapping[str, int]) -> Blocks:
    """The block view of ``array`` whose spec shape expressions are ``shape``."""
    names = [str(s) for s in shape]
    chunk = sizes.get("BT")
    if (array.ndim == 4 and names[1] == "T" and chunk and array.shape[1] % chunk == 0
            and array.shape[1] >= chunk):
        b, t, h, d = array.shape
        blocks = array.reshape(b, t // chunk, chunk, h, d).transpose(0, 1, 3, 2, 4)
        return Blocks(blocks, ("batch", "chunk", "head"), "row", _axis_word(names[3]))
    if array.ndim == 1:
        return Blocks(array.reshape(1, -1), (), "row", _axis_word(names[0]))
    lead = tuple(_axis_word(n) for n in names[:-2])
    return Blocks(array, lead, "row", "column")


def _axis_word(expr: str) -> str:
    words = {"B": "batch", "H": "head", "T": "time", "BT": "column"}
    return words.get(expr, f"{expr} index" if expr.isidentifier() else "column")


def ranges(indices: Sequence[int]) -> str:
    """``0-3, 7, 9-10`` for sorted integers."""
    out: list[str] = []
    start = prev = None
    for i in [*indices, None]:
        if i is not None and prev is not None and i == prev + 1:
            prev = i
            continue
        if start is not None:
            out.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = i
    return ", ".join(out)
