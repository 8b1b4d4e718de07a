"""A deterministic, stated sample of a kernel's mutants (docs/mutants.md "Sampling").

A kernel with a thousand mutants costs hours on a shared machine. Config
`mutants.sample.<kernel>: N` runs at most N mutants per operator of that
kernel: those whose sha256(name) sorts first. Names are content-keyed, so the
choice depends on the kernel source alone (not on order, run or machine) and a
mutant stays in the sample until its own line changes or a new mutant of the
same operator hashes before it. Every score computed from a sample is labelled
as one ("sample of X of Y mutants"); what was not run is never counted as killed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from fixturepipe.mutation.generate import operator_of


def operator_family(name: str) -> str:
    """The operator of a mutant name without its variant (`loop_bound`, not
    `loop_bound (end_plus)`): the unit a sample draws from."""
    op = operator_of(name)
    if op is None:
        raise ValueError(f"{name!r} is not a mutant name (expected <operator>_<8 hex>[_<variant>])")
    return op.split(" ", 1)[0]


def _rank(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def select(names: Sequence[str], per_operator: int | None) -> list[str]:
    """`names` in their own order, keeping at most `per_operator` of each operator: those with
    the smallest sha256(name). `None` keeps every name (no sample)."""
    if per_operator is None:
        return list(names)
    if per_operator < 1:
        raise ValueError(f"a sample needs at least 1 mutant per operator, not {per_operator}")
    by_op: dict[str, list[str]] = {}
    for name in names:
        by_op.setdefault(operator_family(name), []).append(name)
    keep = {n for group in by_op.values() for n in sorted(group, key=_rank)[:per_operator]}
    return [n for n in names if n in keep]


def per_operator(config: Mapping[str, Any], kernel: str) -> int | None:
    """`mutants.sample.<kernel>` (at most N mutants per operator), or None: run them all."""
    value = ((config.get("mutants") or {}).get("sample") or {}).get(kernel)
    return None if value is None else int(value)


def describe(sampled: Sequence[str], population: Sequence[str],
             per_op: int | None) -> dict[str, Any] | None:
    """What `kill_matrix.json` records of the sample (None when every mutant ran)."""
    if per_op is None:
        return None
    counts: dict[str, list[int]] = {}
    chosen = set(sampled)
    for name in population:
        c = counts.setdefault(operator_family(name), [0, 0])
        c[0] += name in chosen
        c[1] += 1
    return {
        "per_operator": per_op,
        "run": len(sampled),
        "of": len(population),
        "rule": f"at most {per_op} mutants per operator, those whose sha256(name) sorts first",
        "by_operator": {op: {"run": r, "of": t} for op, (r, t) in sorted(counts.items())},
    }


def label(sample: Mapping[str, Any] | None) -> str:
    """The words every score of a sampled run carries ("" for a full run)."""
    if not sample:
        return ""
    return (f"SAMPLE of {sample['run']} of {sample['of']} mutants "
            f"(at most {sample['per_operator']} per operator, by name hash)")
