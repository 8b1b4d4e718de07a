"""Run a kernel folder (kernels/<name>/) through the CPU executor, as the pipeline will.

The spec's inputs go in spec order, outputs are poisoned with NaN (so an element
the kernel never writes fails), the launch comes from the spec's expressions.
The kernel's generators.py and reference.py are imported as a package per kernel
(``h8_kernels.<name>``) so they may import each other relatively.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ml_dtypes
import mlx.core as mx
import numpy as np
import yaml

from fixturepipe import expr
from fixturepipe.metal_cpu import metal_kernel

KERNELS = Path(__file__).resolve().parents[2] / "kernels"
_PACKAGE = "h8_kernels"
_MX_DTYPES = {"float32": mx.float32, "bfloat16": mx.bfloat16, "int32": mx.int32}
_NP_DTYPES = {"float32": np.float32, "bfloat16": ml_dtypes.bfloat16, "int32": np.int32}


@dataclass(frozen=True)
class Folder:
    """A kernel folder: its spec (as YAML data) and where it lives."""

    name: str
    path: Path
    spec: Mapping[str, Any]

    def module(self, stem: str) -> types.ModuleType:
        """``generators`` or ``reference`` of this kernel, imported once."""
        package = f"{_PACKAGE}.{self.name}"
        qualified = f"{package}.{stem}"
        if qualified in sys.modules:
            return sys.modules[qualified]
        if _PACKAGE not in sys.modules:
            root = types.ModuleType(_PACKAGE)
            root.__path__ = []
            sys.modules[_PACKAGE] = root
        if package not in sys.modules:
            pkg = types.ModuleType(package)
            pkg.__path__ = [str(self.path)]
            sys.modules[package] = pkg
        loaded = importlib.util.spec_from_file_location(qualified, self.path / f"{stem}.py")
        assert loaded is not None and loaded.loader is not None
        mod = importlib.util.module_from_spec(loaded)
        sys.modules[qualified] = mod
        loaded.loader.exec_module(mod)
        return mod

    def generate(self, generator: str, seed: int, sizes: Mapping[str, int], **params: Any):
        """The generator's inputs, its schema defaults filled in, with ``default_rng(seed)``."""
        schema = self.spec["generators"][generator]
        filled = {k: v["default"] for k, v in schema.items() if "default" in v} | params
        gen = getattr(self.module("generators"), generator)
        inputs = gen(np.random.default_rng(seed), dict(sizes), filled)
        for name, tensor in self.spec["inputs"].items():
            want = self.shape(tensor, sizes)
            assert inputs[name].shape == want, (name, inputs[name].shape, want)
            assert inputs[name].dtype == _NP_DTYPES[tensor["dtype"]], (name, inputs[name].dtype)
        return inputs

    def reference(self, inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int], name=None):
        """The float32 reference ``name`` (default: the spec's) in the spec's output dtypes."""
        ref = getattr(self.module("reference"), name or self.spec["reference"])
        out = ref(inputs, dict(sizes))
        for oname, tensor in self.spec["outputs"].items():
            assert out[oname].shape == self.shape(tensor, sizes), oname
            assert out[oname].dtype == _NP_DTYPES[tensor["dtype"]], (oname, out[oname].dtype)
        return out

    def oracle(self, inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int]):
        """The float64 oracle's outputs."""
        out = getattr(self.module("reference"), self.spec["oracle"])(inputs, dict(sizes))
        for oname in self.spec["outputs"]:
            assert out[oname].dtype == np.float64, oname
        return out

    @staticmethod
    def shape(tensor: Mapping[str, Any], sizes: Mapping[str, int]) -> tuple[int, ...]:
        return tuple(int(expr.evaluate(d, sizes)) for d in tensor["shape"])

    def check_constraints(self, sizes: Mapping[str, int]) -> list[str]:
        """Messages of the constraints ``sizes`` violate."""
        return [c["message"] for c in self.spec.get("constraints", []) if not
                expr.evaluate(c["check"], sizes)]

    def run(self, inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int], *,
            source: str | None = None, source_path: str | None = None,
            race_check: bool = False, timeout: float = 60.0) -> dict[str, np.ndarray]:
        """Launch the kernel on the CPU executor; outputs as numpy in the spec's dtypes.

        ``source`` replaces the folder's Metal text (a mutant), ``source_path`` names it.
        """
        assert not self.check_constraints(sizes), self.check_constraints(sizes)
        text = source if source is not None else (self.path / self.spec["source"]).read_text()
        names_in, names_out = list(self.spec["inputs"]), list(self.spec["outputs"])
        kernel = metal_kernel(
            name=self.name, input_names=names_in, output_names=names_out, source=text,
            source_path=source_path or str(self.path / self.spec["source"]),
            race_check=race_check, timeout=timeout,
        )
        arrays = []
        for n in names_in:
            a = np.ascontiguousarray(inputs[n])
            if a.dtype == ml_dtypes.bfloat16:
                arrays.append(mx.array(a.view(np.uint16)).view(mx.bfloat16))
            else:
                arrays.append(mx.array(a))
        launch = self.spec["launch"]
        outs = kernel(
            inputs=arrays,
            output_shapes=[self.shape(self.spec["outputs"][n], sizes) for n in names_out],
            output_dtypes=[_MX_DTYPES[self.spec["outputs"][n]["dtype"]] for n in names_out],
            grid=tuple(int(expr.evaluate(g, sizes)) for g in launch["grid"]),
            threadgroup=tuple(int(expr.evaluate(t, sizes)) for t in launch["threadgroup"]),
            template=[(k, int(expr.evaluate(v, sizes))) for k, v in
                      launch.get("template", {}).items()],
            init_value=float("nan"),
        )
        result = {}
        for n, out in zip(names_out, outs, strict=True):
            if out.dtype == mx.bfloat16:
                result[n] = np.array(out.view(mx.uint16)).view(ml_dtypes.bfloat16)
            else:
                result[n] = np.array(out)
        return result


def load(name: str) -> Folder:
    """The folder kernels/<name>/ and its spec.yaml."""
    path = KERNELS / name
    spec = yaml.safe_load((path / "spec.yaml").read_text())
    assert spec["name"] == name
    return Folder(name, path, spec)


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
