"""A composite kernel's float32 reference: the chain of its stages' own references.

Every stage's default float32 reference runs in order, each on the composite
inputs and the previous stages' references (the bisect, which runs them on the
stages' *kernel* outputs instead, is :mod:`fixturepipe.composite_bisect`).
"""

from __future__ import annotations

import numpy as np

from fixturepipe import kernel_python
from fixturepipe.composite import Arrays, outputs_of, stage_fixture, stage_inputs
from fixturepipe.fixture import Fixture
from fixturepipe.spec import KernelSpec


def chain_reference(spec: KernelSpec, fixture: Fixture, inputs: Arrays) -> dict[str, np.ndarray]:
    """The composite's float32 reference: every stage's default reference in order, each on
    the composite inputs and the earlier stages' references."""
    refs: dict[str, Arrays] = {}
    for s in spec.stages:
        refs[s.kernel] = kernel_python.reference(
            spec.stage_specs[s.kernel], stage_fixture(spec, fixture, s.kernel),
            stage_inputs(spec, s.kernel, inputs, refs))
    return outputs_of(spec, refs)
