"""A fixture: one kernel at one geometry, with its seeded generator, reference and tolerances.

Built from the config by :mod:`fixturepipe.config_checks` at Snakefile parse
time, and rebuilt inside each rule script from the subset of the config that
rule carries as params (so what a job uses is what Snakemake tracks).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Fixture:
    """One validated fixture: a kernel, sizes, a seeded generator, a reference, tolerances.

    ``inputs_from`` chains inputs to other fixtures (``{input: {"from": "<kernel>/<fixture>",
    "output" | "input": name}}``, docs/pipeline.md "Chained fixtures"); ``imported`` takes
    inputs and references from a hand-made folder (``{"folder", "sha256"}``).  Both are
    empty for a fixture its generator makes alone.
    """

    kernel: str
    name: str
    sizes: Mapping[str, int]
    seed: int
    generator: str
    generator_params: Mapping[str, Any]
    reference: str
    tolerance: Mapping[str, Any]
    oracle_tolerance: Mapping[str, Any]
    backend: str
    race_check: bool
    timeout: float
    description: str = ""
    inputs_from: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    imported: Mapping[str, Any] = field(default_factory=dict)
    golden: bool = field(default=False, compare=False)

    @classmethod
    def from_params(cls, kernel: str, name: str, params: Mapping[str, Any]) -> Fixture:
        """Rebuild a fixture inside a rule script from the subset of config its rule carries.

        A rule's params hold only what that rule depends on (so Snakemake reruns
        it exactly when those change); fields a rule does not use get neutral values.
        """
        generator = dict(params.get("generator", {"name": ""}))
        return cls(
            kernel=kernel,
            name=name,
            sizes={k: int(v) for k, v in params["sizes"].items()},
            seed=int(params.get("seed", 0)),
            generator=generator.pop("name"),
            generator_params=generator,
            reference=params.get("reference", ""),
            tolerance=dict(params.get("tolerance", {})),
            oracle_tolerance=dict(params.get("oracle_tolerance", {})),
            backend=params.get("backend", ""),
            race_check=bool(params.get("race_check", False)),
            timeout=float(params.get("timeout", 60.0)),
            inputs_from={k: dict(v) for k, v in params.get("inputs", {}).items()},
            imported=dict(params.get("import", {})),
        )

    @property
    def key(self) -> str:
        """``<kernel>/<fixture>``, how reports and errors name a fixture."""
        return f"{self.kernel}/{self.name}"

    def generation_params(self) -> dict[str, Any]:
        """What the ``inputs`` rule depends on (Snakemake reruns it when this changes)."""
        return {
            "sizes": dict(self.sizes),
            "seed": self.seed,
            "generator": {"name": self.generator, **self.generator_params},
            "reference": self.reference,
            **self._sources(),
        }

    def reference_params(self) -> dict[str, Any]:
        """What the ``reference`` rule depends on."""
        return {"sizes": dict(self.sizes), "reference": self.reference, **self._sources()}

    def _sources(self) -> dict[str, Any]:
        """Chained and imported inputs, only when there are any (other params stay as they were)."""
        extra: dict[str, Any] = {}
        if self.inputs_from:
            extra["inputs"] = {k: dict(v) for k, v in self.inputs_from.items()}
        if self.imported:
            extra["import"] = dict(self.imported)
        return extra

    def kernel_params(self) -> dict[str, Any]:
        """What the ``kernel`` rule depends on (the backend is in the output path)."""
        return {"sizes": dict(self.sizes), "race_check": self.race_check, "timeout": self.timeout}

    def compare_params(self) -> dict[str, Any]:
        """What the ``compare`` and ``reproduce`` rules depend on."""
        return {
            "sizes": dict(self.sizes),
            "reference": self.reference,
            "tolerance": dict(self.tolerance),
            "oracle_tolerance": dict(self.oracle_tolerance),
        }
