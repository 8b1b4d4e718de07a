"""Compare kernel outputs with the float32 reference and the float64 oracle, against tolerances.

Per output: max abs error, max relative error, relative L2 (||out - ref|| /
||ref|| over the elements finite on both sides), FLA's relative RMS (the same
ratio over every element, so any NaN or inf makes it infinite, as FLA's
``assert_close`` fails on them), max ULP distance (in the output's own dtype:
float32, float16 or bfloat16), and the non-finite elements where the reference is
finite, by cause (:mod:`fixturepipe.poison`): unwritten (still the output
poison), NaN read from uninitialised threadgroup memory, NaN or +-inf written by
the kernel.  A failing output gives one failure sentence naming its first
violated metric (and the others after it).

Two ULP metrics, because they answer different questions:

* ``max_ulp``: max |out - ref| in units of the float spacing at the output's
  scale (``spacing(max |ref|)``).  This is the "about 1 ULP" kernel authors
  quote (mlx-native: 1.19e-7 on outputs of magnitude 1) and what tolerances use.
* ``max_ulp_elementwise``: max distance in representable values, element by
  element (ordered-integer view of the bits).  Near-zero entries produced by
  cancellation make it huge for any correct float32 algorithm (measured on the
  seed fixture: 364859 at |ref| ~ 1e-10 while the absolute error is 1.19e-7),
  so it is reported, and usable as a tolerance for exact kernels, not a default.  Error metrics are
taken over elements where both sides are finite; non-finite disagreements are
counted separately and always fail.  The oracle metrics let a report tell the
kernel's error from the float32 reference's own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import ml_dtypes
import numpy as np

from fixturepipe import poison

_INT_VIEW = {
    np.dtype(np.float32): np.int32,
    np.dtype(np.float16): np.int16,
    np.dtype(ml_dtypes.bfloat16): np.int16,
}
METRICS = ("max_abs", "max_rel", "rel_l2", "rel_rms", "max_ulp", "max_ulp_elementwise")


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Units in the last place between same-dtype float arrays (finite elements).

    Maps each float's bits to an integer that is monotonic in the float's value
    (negative floats reflected below zero), so the difference of two such
    integers counts the representable values between them; -0 and +0 are 0 apart.
    """
    ints = _INT_VIEW[a.dtype]
    bits = np.iinfo(ints).bits

    def ordered(x: np.ndarray) -> np.ndarray:
        i = np.ascontiguousarray(x).view(ints).astype(np.int64)
        return np.where(i < 0, -(1 << (bits - 1)) - i, i)

    return np.abs(ordered(a) - ordered(b))


def metrics(out: np.ndarray, ref: np.ndarray) -> dict[str, Any]:
    """All metrics of ``out`` against ``ref`` (float32 reference or float64 oracle)."""
    out_finite, ref_finite = np.isfinite(out), np.isfinite(ref)
    both = out_finite & ref_finite
    o, r = out[both].astype(np.float64), ref[both].astype(np.float64)
    diff = np.abs(o - r)
    nonzero = r != 0
    ref_norm = float(np.sqrt(np.sum(r * r)))
    diff_norm = float(np.sqrt(np.sum(diff * diff)))
    rel_l2 = diff_norm / ref_norm if ref_norm > 0 else 0.0 if diff_norm == 0 else math.inf
    rel_rms = rel_l2 if bool(both.all()) else math.inf
    scale = float(np.abs(r).max()) if r.size else 0.0
    with np.errstate(over="ignore", invalid="ignore"):  # an oracle beyond the output's range
        ref_as_out = ref[both].astype(out.dtype)
        spacing = float(np.spacing(np.asarray(scale, dtype=out.dtype))) if scale else 0.0
    ulp = ulp_distance(out[both], ref_as_out) if out.dtype in _INT_VIEW else np.zeros(0)
    max_abs = float(diff.max()) if diff.size else 0.0
    max_ulp = max_abs / spacing if spacing else (0.0 if max_abs == 0 else math.inf)
    same_class = (np.isnan(out) & np.isnan(ref)) | (np.isinf(out) & (out == ref))
    causes = {k: int(v.sum()) for k, v in poison.classify(out, ref).items()}
    return {
        "max_abs": max_abs,
        "max_rel": float((diff[nonzero] / np.abs(r[nonzero])).max()) if nonzero.any() else 0.0,
        "rel_l2": rel_l2,
        "rel_rms": rel_rms,
        "max_ulp": max_ulp,
        "max_ulp_elementwise": int(ulp.max()) if ulp.size else 0,
        "scale": scale,
        "non_finite": int((~out_finite).sum()),
        **causes,
        "non_finite_mismatch": int(((~both) & ~same_class).sum()),
        "elements": int(out.size),
    }


_CAUSE_WORDS = {
    "unwritten": "unwritten (still the output poison where the {against} is finite)",
    "uninitialised_threadgroup": "NaN read from uninitialised threadgroup memory "
                                 "(the executor's threadgroup poison)",
    "nan_written": "NaN written by the kernel where the {against} is finite",
    "inf_written": "+-inf written by the kernel where the {against} is finite",
}


def _check(
    name: str, m: Mapping[str, Any], tolerance: Mapping[str, Any], against: str
) -> list[tuple[str, str]]:
    """(metric, clause) for every tolerance ``m`` violates, non-finite causes first."""
    failures = []
    n = m["elements"]
    for cause, words in _CAUSE_WORDS.items():
        if m[cause]:
            failures.append((f"{name}.{cause}",
                             f"{name}: {m[cause]} of {n} elements "
                             f"{words.format(against=against)}"))
    explained = sum(m[c] for c in _CAUSE_WORDS)
    if m["non_finite_mismatch"] > explained:
        failures.append((f"{name}.non_finite", f"{name}: {m['non_finite_mismatch'] - explained} "
                         f"of {n} elements finite where the {against} is not, or a different "
                         "non-finite value"))
    if tolerance.get("require_finite", True) and m["non_finite"] and not failures:
        failures.append((f"{name}.non_finite", f"{name}: {m['non_finite']} of {n} outputs "
                         f"non-finite (where the {against} is too; require_finite)"))
    for key in METRICS:
        if key in tolerance and not m[key] <= tolerance[key]:
            failures.append((f"{name}.{key}", f"{name}.{key} = {m[key]:.6g} exceeds tolerance "
                             f"{tolerance[key]:.6g} (vs {against})"))
    return failures


def failure_sentence(name: str, failures: list[tuple[str, str]]) -> str:
    """One sentence for one output: its first violated metric, then the others."""
    first, *others = (clause for _, clause in failures)
    short = [c.removeprefix(f"{name}: ") for c in others]
    return first + ("; also " + "; ".join(short) if short else "")


def compare(
    outputs: Mapping[str, np.ndarray],
    references: Mapping[str, np.ndarray],
    oracle: Mapping[str, np.ndarray] | None,
    tolerance: Mapping[str, Any],
    oracle_tolerance: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Metrics per output and a verdict.

    Returns ``{"passed", "failing_metric", "failures", "outputs": {name:
    {"vs_reference": metrics, "vs_oracle": metrics}}}``; ``failing_metric`` is
    the first violated metric (e.g. ``"a_inv.max_ulp"``), None when passed.
    ``tolerance`` applies vs the float32 reference, ``oracle_tolerance`` (if any)
    vs the float64 oracle.
    """
    per_output: dict[str, Any] = {}
    first_metric = None
    sentences = []
    for name, ref in references.items():
        out = outputs[name]
        entry: dict[str, Any] = {"vs_reference": metrics(out, ref)}
        failures = _check(name, entry["vs_reference"], tolerance, "reference")
        if oracle is not None:
            entry["vs_oracle"] = metrics(out, oracle[name])
            entry["reference_vs_oracle"] = metrics(ref, oracle[name])
            if oracle_tolerance:
                seen = {metric for metric, _ in failures}
                failures += [  # a non-finite cause is said once, against the reference
                    f for f in _check(name, entry["vs_oracle"], oracle_tolerance, "float64 oracle")
                    if f[0] not in seen or f[0].rsplit(".", 1)[1] in METRICS]
        entry["failing_metrics"] = list(dict.fromkeys(metric for metric, _ in failures))
        entry["failure"] = failure_sentence(name, failures) if failures else None
        if failures:
            first_metric = first_metric or failures[0][0]
            sentences.append(entry["failure"])
        per_output[name] = entry
    return {
        "passed": not sentences,
        "failing_metric": first_metric,
        "failures": sentences,
        "outputs": per_output,
    }


def vacuous(
    references: Mapping[str, np.ndarray],
    oracle: Mapping[str, np.ndarray] | None,
    tolerance: Mapping[str, Any],
    oracle_tolerance: Mapping[str, Any] | None = None,
) -> list[str]:
    """Sentences, one per output, for tolerances that would pass an all-zero output or the
    output poison (a launch that wrote nothing): such a fixture cannot catch a kernel that
    does nothing, so it is a configuration error, whatever the kernel wrote.

    Each sentence names the output and the tolerance metrics that let the fake through
    with the values it scores.
    """
    problems = []
    for name, ref in references.items():
        for what, fake in (("an all-zero output", np.zeros_like(ref)),
                           ("the NaN poison of an unwritten output",
                            poison.poisoned(ref.shape, ref.dtype))):
            verdict = compare({name: fake}, {name: ref},
                              {name: oracle[name]} if oracle is not None else None,
                              tolerance, oracle_tolerance)
            if verdict["passed"]:
                scores = verdict["outputs"][name]["vs_reference"]
                used = [k for k in METRICS if k in tolerance] or ["(none set)"]
                shown = ", ".join(f"{k} {scores[k]:.6g} <= {tolerance[k]:.6g}"
                                  if k in tolerance else k for k in used)
                problems.append(f"{name}: the tolerances accept {what} ({shown}); "
                                "tighten them, or change the fixture so its reference is "
                                "not all zero")
    return problems


def json_safe(obj: Any) -> Any:
    """Replace non-finite floats by strings so the JSON is standard and deterministic."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    return obj
