"""Run a kernel folder (kernels/<name>/) the way the pipeline does, from a test.

A thin test-side handle over the package: the spec is :func:`fixturepipe.spec.load_spec`,
generators, references and oracle run through :mod:`fixturepipe.kernel_python` (schema
defaults filled in, results checked against the spec), and the kernel is launched by
:func:`fixturepipe.kernel_stage.run` on the CPU executor (outputs poisoned with NaN, so
an element the kernel never writes fails).  Only the geometry, seed and params are the
test's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ml_dtypes
import numpy as np

from fixturepipe import backends, kernel_python, kernel_stage
from fixturepipe.fixture import Fixture
from fixturepipe.spec import KernelSpec, load_spec

KERNELS = Path(__file__).resolve().parents[2] / "kernels"


@dataclass(frozen=True)
class Folder:
    """A kernel folder, as the pipeline loads it."""

    spec: KernelSpec

    @property
    def name(self) -> str:
        return self.spec.name

    def fixture(self, sizes: Mapping[str, int], **params: Any) -> Fixture:
        """A fixture of this kernel at ``sizes`` (``params`` as a rule's params carry them)."""
        return Fixture.from_params(self.name, "test", {"sizes": dict(sizes), **params})

    def generate(self, generator: str, seed: int, sizes: Mapping[str, int], **params: Any):
        """The generator's inputs with ``default_rng(seed)``, schema defaults filled in."""
        fixture = self.fixture(sizes, seed=seed, generator={"name": generator, **params})
        return kernel_python.generate(self.spec, fixture)

    def reference(self, inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int], name=None):
        """The float32 reference ``name`` (default: the spec's) in the spec's output dtypes."""
        fixture = self.fixture(sizes, reference=name or self.spec.reference)
        return kernel_python.reference(self.spec, fixture, inputs)

    def oracle(self, inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int]):
        """The float64 oracle's outputs."""
        return kernel_python.oracle(self.spec, self.fixture(sizes), inputs)

    def run(self, inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int], *,
            race_check: bool = False) -> dict[str, np.ndarray]:
        """Launch the kernel on the CPU executor; outputs as numpy in the spec's dtypes."""
        failures = self.spec.constraint_failures(sizes)
        assert not failures, failures
        fixture = self.fixture(sizes, race_check=race_check)
        return kernel_stage.run(self.spec, fixture, backends.resolve("cpu"), inputs)


def load(name: str) -> Folder:
    """The folder kernels/<name>/ and its spec.yaml."""
    return Folder(load_spec(KERNELS / name / "spec.yaml"))


def ulp_at_scale(ref: np.ndarray, dtype: np.dtype) -> float:
    """The spacing of ``dtype`` at max |ref|: one ULP at the output's scale."""
    scale = float(np.max(np.abs(ref.astype(np.float64))))
    if scale == 0.0:
        return float(np.finfo(np.float32).tiny)
    if np.dtype(dtype) == np.dtype(ml_dtypes.bfloat16):
        return 2.0 ** (np.floor(np.log2(scale)) - 7)
    return float(np.spacing(np.float32(scale)))


@dataclass(frozen=True)
class Error:
    """How far ``out`` is from ``ref``: ULPs at the reference's scale and relative RMS."""

    ulp: float
    rel_rms: float
    max_abs: float

    def __str__(self) -> str:
        return f"{self.ulp:.2f} ULP, rel-RMS {self.rel_rms:.3g}, max abs {self.max_abs:.3g}"


def error(out: np.ndarray, ref: np.ndarray, dtype: np.dtype) -> Error:
    """``out`` against ``ref`` in float64; ULPs are those of ``dtype`` (the output's)."""
    o, r = out.astype(np.float64), ref.astype(np.float64)
    assert np.all(np.isfinite(o)), "kernel output holds NaN or inf (unwritten or overflow)"
    diff = np.abs(o - r)
    norm = float(np.sqrt(np.sum(r * r)))
    rel = float(np.sqrt(np.sum(diff * diff))) / norm if norm else float(np.sqrt(np.sum(diff**2)))
    return Error(float(diff.max()) / ulp_at_scale(r, dtype), rel, float(diff.max()))


def assert_close(out: np.ndarray, ref: np.ndarray, dtype: np.dtype, max_ulp: float,
                 rel_rms: float, what: str) -> Error:
    """numpy.testing's check that |out - ref| <= max_ulp ULPs at scale, then relative RMS."""
    err = error(out, ref, dtype)
    np.testing.assert_allclose(
        out.astype(np.float64), ref.astype(np.float64), rtol=0,
        atol=max_ulp * ulp_at_scale(ref, dtype), err_msg=f"{what}: {err}",
    )
    assert err.rel_rms <= rel_rms, f"{what}: {err} (relative RMS bound {rel_rms})"
    return err


def assert_matches_reference_and_oracle(out: np.ndarray, ref: np.ndarray, oracle: np.ndarray,
                                        dtype: np.dtype, max_ulp: float, rel_rms: float,
                                        oracle_rel_rms: float, what: str = "") -> None:
    """The three checks of a kernel test: the kernel against its float32 reference within
    ``rel_rms``, then the reference and the kernel against the float64 oracle within
    ``oracle_rel_rms`` (how far the reference's own casts leave it from exact maths), each
    within ``max_ulp`` at scale. ``what`` (an output's name) prefixes the messages."""
    prefix = f"{what}: " if what else ""
    assert_close(out, ref, dtype, max_ulp, rel_rms, f"{prefix}kernel vs reference")
    assert_close(ref, oracle, dtype, max_ulp, oracle_rel_rms, f"{prefix}reference vs oracle")
    assert_close(out, oracle, dtype, max_ulp, oracle_rel_rms, f"{prefix}kernel vs oracle")
