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
from pathlib import Path
from typing import Any

import yaml

from fixturepipe import backends, expr, fixture_sources
from fixturepipe.fixture import Fixture
from fixturepipe.spec import KernelSpec


class ConfigError(ValueError):
    """The config is semantically invalid; ``problems`` holds one sentence per finding."""

    def __init__(self, configfile: str, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{configfile}: the fixture matrix is invalid:\n{lines}")


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
        if error.validator == "type" and _reads_as_number(error.instance):
            message += (
                f"; YAML reads {error.instance} as a string (a YAML float needs a dot, "
                f"e.g. {_yaml_float(error.instance)})"
            )
        problems.append(f"{prefix}: {message}.")
    if problems:
        raise ConfigError(configfile, problems)


def _reads_as_number(value: Any) -> bool:
    """A string YAML 1.1 did not read as a float but Python would (``1e-6``, ``1E3``)."""
    if not isinstance(value, str):
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


def _yaml_float(text: str) -> str:
    """``1e-6`` -> ``1.0e-6``: the spelling YAML 1.1 reads as a float (dot, signed exponent)."""
    mantissa, sep, exponent = text.strip().lower().partition("e")
    if sep and "." not in mantissa:
        mantissa += ".0"
    if sep and exponent[:1] not in ("+", "-"):
        exponent = "+" + exponent
    return f"{mantissa}{sep}{exponent}"


def check(
    config: Mapping[str, Any],
    specs: Mapping[str, KernelSpec],
    configfile: str,
    root: str | Path = ".",
) -> list[Fixture]:
    """Return the fixtures of a schema-valid ``config``, or raise :class:`ConfigError`.

    ``root`` is the project folder that imported fixtures' folders are relative to.
    """
    problems: list[str] = []
    fixtures: list[Fixture] = []
    seen: dict[tuple[str, str], int] = {}
    chains: dict[str, tuple[str, Mapping[str, Mapping[str, str]]]] = {}
    default_backend = config.get("backend", "auto")
    try:
        backends.resolve_name(default_backend)
    except backends.BackendUnavailable as exc:
        # Said once, not once per fixture that inherits it.
        problems.append(f"field backend: {exc}")
        default_backend = None
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
                f"(kernels/*/spec.yaml): {', '.join(sorted(specs)) or 'none'}."
            )
            continue
        meta: dict[str, Any] = {}
        fixture_problems: list[str] = []
        if "import" in raw:
            fixture_problems, meta = fixture_sources.import_problems(
                raw["import"], spec, Path(root), where)
            raw = {**raw, "sizes": _imported_sizes(raw, spec, meta, where, fixture_problems)}
        fixture_problems += _check_fixture(raw, spec, where)
        requested = raw.get("backend", default_backend)
        if requested is None:  # the top-level backend, already reported
            problems += fixture_problems
            continue
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
        generator = dict(raw.get("generator") or {"name": ""})
        if raw.get("inputs"):
            chains[f"{kernel}/{name}"] = (where, raw["inputs"])
        fixtures.append(
            Fixture(
                kernel=kernel,
                name=name,
                sizes={s: int(raw["sizes"][s]) for s in spec.sizes},
                seed=int(raw.get("seed", 0)),
                generator=generator.pop("name"),
                generator_params=generator,
                reference=raw.get("reference", spec.reference),
                tolerance={**spec.tolerance, **meta.get("tolerance", {}),
                           **raw.get("tolerance", {})},
                oracle_tolerance=dict(raw.get("oracle_tolerance", {})),
                backend=backend,
                race_check=bool(raw.get("race_check", False)),
                timeout=float(raw.get("timeout", spec.timeout)),
                description=raw.get("description", ""),
                inputs_from={k: dict(v) for k, v in (raw.get("inputs") or {}).items()},
                imported=dict(raw.get("import") or {}),
            )
        )
    if not problems:
        problems += fixture_sources.chain_problems(
            chains, {f.key: f.sizes for f in fixtures}, specs)
    if problems:
        raise ConfigError(configfile, problems)
    return fixtures


def _imported_sizes(
    raw: Mapping[str, Any], spec: KernelSpec, meta: Mapping[str, Any], where: str,
    problems: list[str],
) -> dict[str, Any]:
    """An imported fixture's sizes: the config's, else the meta file's (they must agree)."""
    sizes = dict(raw.get("sizes") or {})
    for name in spec.sizes:
        if name in meta and name in sizes and int(meta[name]) != int(sizes[name]):
            problems.append(f"{where}, field sizes.{name}: {sizes[name]}, but the imported "
                            f"meta file says {meta[name]}.")
        elif name in meta and name not in sizes:
            sizes[name] = int(meta[name])
    return sizes


def selected_kernels(
    config: Mapping[str, Any], specs: Mapping[str, KernelSpec], configfile: str
) -> tuple[str, ...]:
    """The kernels of ``--config kernels=a,b`` (or a YAML list); empty means all of them."""
    chosen = config.get("kernels") or ()
    names = [n.strip() for n in chosen.split(",")] if isinstance(chosen, str) else list(chosen)
    names = [n for n in names if n]
    unknown = [n for n in names if n not in specs]
    if unknown:
        raise ConfigError(configfile, [
            f"field kernels: unknown kernel {', '.join(map(repr, unknown))}; kernels "
            f"(kernels/*/spec.yaml): {', '.join(sorted(specs)) or 'none'}."
        ])
    return tuple(names)


def _check_fixture(raw: Mapping[str, Any], spec: KernelSpec, where: str) -> list[str]:
    problems: list[str] = []
    sizes = raw.get("sizes") or {}
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
                f"(constraint {check!r} of kernel {spec.name!r} in {_rel(spec.path)})."
            )
    made = set(raw.get("inputs") or {}) | ({t.name for t in spec.inputs} if "import" in raw
                                           else set())
    unmade = [t.name for t in spec.inputs if t.name not in made]
    if "import" in raw and ("generator" in raw or raw.get("inputs")):
        problems.append(f"{where}, field import: an imported fixture takes every input from "
                        "its folder; drop `generator` and `inputs`.")
    if "generator" not in raw:
        if unmade:
            problems.append(f"{where}, field generator: missing; input(s) {', '.join(unmade)} "
                            "are neither chained (`inputs:`) nor imported, so a generator must "
                            "make them.")
        if "seed" not in raw and unmade:
            problems.append(f"{where}, field seed: missing (the generator's seed).")
        return problems + _check_reference(raw, spec, where)
    if "seed" not in raw:
        problems.append(f"{where}, field seed: missing (the generator's seed).")
    generator = raw["generator"]["name"]
    if generator not in spec.generators:
        problems.append(
            f"{where}, field generator.name: unknown generator {generator!r} for kernel "
            f"{spec.name!r}; it accepts {', '.join(spec.generators)} ({_rel(spec.path)} "
            "field generators)."
        )
    else:
        problems += _check_generator_params(raw["generator"], spec, where)
    return problems + _check_reference(raw, spec, where)


def _check_reference(raw: Mapping[str, Any], spec: KernelSpec, where: str) -> list[str]:
    problems = []
    reference = raw.get("reference", spec.reference)
    if reference not in spec.references:
        problems.append(
            f"{where}, field reference: unknown reference {reference!r} for kernel "
            f"{spec.name!r}; it accepts {', '.join(spec.references)}."
        )
    return problems


def _check_generator_params(
    generator: Mapping[str, Any], spec: KernelSpec, where: str
) -> list[str]:
    """The fixture's generator parameters against the schema its kernel's spec gives them."""
    import jsonschema  # parse time only

    name = generator["name"]
    schema = spec.generator_schema(name)
    validator = jsonschema.validators.validator_for(schema)(schema)
    problems = []
    for error in sorted(validator.iter_errors(dict(generator)), key=lambda e: e.json_path):
        field = ".".join(["generator", *(str(p) for p in error.absolute_path)])
        takes = ", ".join(spec.generators[name]) or "no parameters"
        problems.append(
            f"{where}, field {field}: {error.message} (generator {name!r} of kernel "
            f"{spec.name!r} takes {takes}; schema in {_rel(spec.path)} field "
            f"generators/{name})."
        )
    return problems


def _rel(path: Any) -> str:
    """A spec path as the user knows it: relative to the working directory when inside it."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
