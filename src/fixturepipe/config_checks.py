"""Semantic checks of the fixture matrix, after the JSON schema (``config/schema.yaml``).

Snakemake's ``validate`` catches types and unknown keys; what a schema cannot
say (T a multiple of BT, the sizes a kernel needs, names that must exist in a
kernel spec, duplicate fixtures, a race check on a backend that has none) is
checked here, at Snakefile parse time, before any job runs.  Every problem is
reported at once, each as a sentence naming the config file, fixture and field.
No numpy here: this runs on every Snakemake invocation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from fixturepipe import backends, expr
from fixturepipe.spec import KernelSpec


class ConfigError(ValueError):
    """The config is semantically invalid; ``problems`` holds one sentence per finding."""

    def __init__(self, configfile: str, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{configfile}: the fixture matrix is invalid:\n{lines}")


@dataclass(frozen=True)
class Fixture:
    """One validated fixture: a kernel, sizes, a seeded generator, a reference, tolerances."""

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
        }

    def reference_params(self) -> dict[str, Any]:
        """What the ``reference`` rule depends on."""
        return {"sizes": dict(self.sizes), "reference": self.reference}

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


def check_schema(config: Mapping[str, Any], schema_path: str, configfile: str) -> None:
    """Validate against ``config/schema.yaml``, naming fixtures by name in every message.

    Snakemake's ``validate`` (run right after, for defaults) reports only the
    first error with the whole schema dumped; this pass reports all of them as
    one sentence each, e.g. "fixture 'u' (fixtures[0]), field tolerence: ...".
    """
    import jsonschema  # only at parse time; rule scripts import this module too

    with open(schema_path, encoding="utf-8") as handle:
        schema = yaml.safe_load(handle)
    validator = jsonschema.validators.validator_for(schema)(schema)
    problems = []
    for error in sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path)):
        where = list(error.absolute_path)
        if len(where) >= 2 and where[0] == "fixtures" and isinstance(where[1], int):
            raw = config["fixtures"][where[1]]
            name = raw.get("name", "?") if isinstance(raw, Mapping) else "?"
            field = ".".join(str(p) for p in where[2:]) or "(fixture)"
            prefix = f"fixture {name!r} (fixtures[{where[1]}]), field {field}"
        else:
            prefix = f"field {'.'.join(str(p) for p in where) or '(top level)'}"
        message = error.message
        if error.validator == "additionalProperties" and where[-1:] != ["sizes"]:
            message += "; see config/schema.yaml for the allowed keys"
        problems.append(f"{prefix}: {message}.")
    if problems:
        raise ConfigError(configfile, problems)


def check(
    config: Mapping[str, Any], specs: Mapping[str, KernelSpec], configfile: str
) -> list[Fixture]:
    """Return the fixtures of a schema-valid ``config``, or raise :class:`ConfigError`."""
    problems: list[str] = []
    fixtures: list[Fixture] = []
    seen: dict[tuple[str, str], int] = {}
    default_backend = config.get("backend", "auto")
    for index, raw in enumerate(config.get("fixtures", [])):
        name = raw["name"]
        where = f"fixture {name!r} (fixtures[{index}])"
        kernel = raw["kernel"]
        if (kernel, name) in seen:
            problems.append(
                f"{where}, field name: duplicate of fixtures[{seen[(kernel, name)]}] for kernel "
                f"{kernel!r}; fixture names must be unique per kernel."
            )
            continue
        seen[(kernel, name)] = index
        spec = specs.get(kernel)
        if spec is None:
            problems.append(
                f"{where}, field kernel: unknown kernel {kernel!r}; known kernels "
                f"(kernels/*.yaml): {', '.join(sorted(specs)) or 'none'}."
            )
            continue
        fixture_problems = _check_fixture(raw, spec, where)
        requested = raw.get("backend", default_backend)
        try:
            backend = backends.resolve_name(requested)
        except backends.BackendUnavailable as exc:
            fixture_problems.append(f"{where}, field backend: {exc}")
            backend = requested
        if raw.get("race_check", False) and backend != "cpu":
            fixture_problems.append(
                f"{where}, field race_check: race checking exists only on the cpu backend, "
                f"but backend {requested!r} resolves to {backend!r}; set race_check: false "
                "or backend: cpu."
            )
        problems += fixture_problems
        if fixture_problems:
            continue
        generator = dict(raw["generator"])
        fixtures.append(
            Fixture(
                kernel=kernel,
                name=name,
                sizes={s: int(raw["sizes"][s]) for s in spec.sizes},
                seed=int(raw["seed"]),
                generator=generator.pop("name"),
                generator_params=generator,
                reference=raw.get("reference", spec.reference),
                tolerance={**spec.tolerance, **raw.get("tolerance", {})},
                oracle_tolerance=dict(raw.get("oracle_tolerance", {})),
                backend=backend,
                race_check=bool(raw.get("race_check", False)),
                timeout=float(raw.get("timeout", spec.timeout)),
                description=raw.get("description", ""),
            )
        )
    if problems:
        raise ConfigError(configfile, problems)
    return fixtures


def _check_fixture(raw: Mapping[str, Any], spec: KernelSpec, where: str) -> list[str]:
    problems: list[str] = []
    sizes = raw["sizes"]
    missing = [s for s in spec.sizes if s not in sizes]
    extra = [s for s in sizes if s not in spec.sizes]
    if missing:
        problems.append(
            f"{where}, field sizes: missing {', '.join(missing)}; kernel {spec.name!r} needs "
            f"{', '.join(spec.sizes)}."
        )
    if extra:
        problems.append(
            f"{where}, field sizes: {', '.join(extra)} not used by kernel {spec.name!r} "
            f"(it needs {', '.join(spec.sizes)})."
        )
    for size, value in sizes.items():
        if size in spec.sizes and value <= 0:
            problems.append(f"{where}, field sizes.{size}: must be positive, got {value}.")
    if problems:
        return problems
    for check, message in spec.constraints:
        try:
            ok = expr.evaluate(check, sizes)
        except expr.ExpressionError as exc:
            problems.append(f"{where}, field sizes: cannot check {check!r}: {exc}.")
            continue
        if not ok:
            named = ", ".join(f"{n}={sizes[n]}" for n in sorted(expr.names_in(check)))
            problems.append(
                f"{where}, field sizes ({named}): {message} "
                f"(kernel {spec.name!r} constraint {check!r})."
            )
    generator = raw["generator"]["name"]
    if generator not in spec.generators:
        problems.append(
            f"{where}, field generator.name: unknown generator {generator!r} for kernel "
            f"{spec.name!r}; it accepts {', '.join(spec.generators)}."
        )
    reference = raw.get("reference", spec.reference)
    if reference not in spec.references:
        problems.append(
            f"{where}, field reference: unknown reference {reference!r} for kernel "
            f"{spec.name!r}; it accepts {', '.join(spec.references)}."
        )
    return problems
