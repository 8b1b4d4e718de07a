"""Run a kernel's own Python: its generators, float32 references and float64 oracle.

A kernel folder holds ``generators.py`` and ``reference.py`` beside its Metal
source (``kernels/<name>/``).  They are plain modules of plain functions (no
registration), imported here from the folder with :mod:`importlib` as
submodules of a package per kernel (``fixturepipe_kernels.<name>``), so two
kernels may both define ``zeros`` and a kernel's files may import each other
relatively (``from . import common``).  The Snakefile runs none of it (numpy
is imported only when a function runs): it checks the names a spec gives by
reading the files' AST (:func:`fixturepipe.spec.top_level_functions`).

Which file a rule script runs is read from the calls it makes to this module
(:data:`FILE_OF`), so the rule's code dependencies follow (see
:mod:`fixturepipe.code_deps`).
"""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fixturepipe.fixture import Fixture
from fixturepipe.spec import GENERATORS_FILE, REFERENCE_FILE, KernelSpec

if TYPE_CHECKING:
    import numpy as np

PACKAGE = "fixturepipe_kernels"
# The function of this module a script calls -> the kernel file it runs.
FILE_OF = {"generate": GENERATORS_FILE, "reference": REFERENCE_FILE, "oracle": REFERENCE_FILE}


def module(spec: KernelSpec, filename: str) -> types.ModuleType:
    """Import ``kernels/<name>/<filename>`` once per process (``fixturepipe_kernels.<name>.x``)."""
    package = f"{PACKAGE}.{spec.name}"
    qualified = f"{package}.{Path(filename).stem}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    if PACKAGE not in sys.modules:
        root = types.ModuleType(PACKAGE)
        root.__path__ = []
        sys.modules[PACKAGE] = root
    if package not in sys.modules:
        kernel_package = types.ModuleType(package)
        kernel_package.__path__ = [str(spec.folder)]
        sys.modules[package] = kernel_package
    loaded = importlib.util.spec_from_file_location(qualified, spec.folder / filename)
    if loaded is None or loaded.loader is None:
        raise ImportError(f"cannot import {spec.folder / filename}")
    mod = importlib.util.module_from_spec(loaded)
    sys.modules[qualified] = mod
    try:
        loaded.loader.exec_module(mod)
    except BaseException:
        del sys.modules[qualified]
        raise
    return mod


def _function(spec: KernelSpec, filename: str, name: str) -> Callable[..., Any]:
    return getattr(module(spec, filename), name)


def generate(spec: KernelSpec, fixture: Fixture) -> dict[str, np.ndarray]:
    """The fixture's inputs: its generator with a fresh ``default_rng(seed)`` (the seed's RNG)."""
    import numpy as np  # not at import time: the Snakefile imports FILE_OF from here

    params = spec.generator_params(fixture.generator, fixture.generator_params)
    gen = _function(spec, GENERATORS_FILE, fixture.generator)
    arrays = gen(np.random.default_rng(fixture.seed), dict(fixture.sizes), params)
    chained = set(fixture.inputs_from)
    wanted = [t for t in spec.inputs if t.name not in chained]
    return _checked(spec, GENERATORS_FILE, fixture.generator, arrays, wanted)


def reference(
    spec: KernelSpec, fixture: Fixture, inputs: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """The fixture's float32 reference (its ``reference:``, else the spec's default)."""
    arrays = _function(spec, REFERENCE_FILE, fixture.reference)(inputs, dict(fixture.sizes))
    return _checked(spec, REFERENCE_FILE, fixture.reference, arrays, spec.outputs)


def oracle(
    spec: KernelSpec, fixture: Fixture, inputs: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """The float64 oracle of the kernel (the spec's ``oracle:``): the exact maths."""
    arrays = _function(spec, REFERENCE_FILE, spec.oracle)(inputs, dict(fixture.sizes))
    return _checked(spec, REFERENCE_FILE, spec.oracle, arrays, spec.outputs, "float64")


def _checked(
    spec: KernelSpec, filename: str, function: str, arrays: Any, tensors: Any,
    dtype: str | None = None,
) -> dict[str, np.ndarray]:
    """``arrays`` if it holds every tensor in its dtype (``dtype`` overrides: the oracle's
    float64), else a :class:`KernelPythonError` naming the kernel's file and function."""
    where = f"{spec.folder / filename}: {function}"
    if not isinstance(arrays, dict):
        raise KernelPythonError(f"{where} returned {type(arrays).__name__}, not a dict of arrays")
    for t in tensors:
        want = dtype or t.dtype
        if t.name not in arrays:
            raise KernelPythonError(f"{where} returned no {t.name!r} (it returned "
                                    f"{', '.join(arrays) or 'nothing'}); the spec needs it")
        got = getattr(arrays[t.name], "dtype", None)
        if str(got) != want:
            raise KernelPythonError(f"{where} returned {t.name!r} as {got}; the spec says "
                                    f"{want}" + (" (bfloat16: an ml_dtypes.bfloat16 array)"
                                                 if want == "bfloat16" else ""))
    return arrays


class KernelPythonError(TypeError):
    """A kernel's generator, reference or oracle returned something the spec does not allow."""
