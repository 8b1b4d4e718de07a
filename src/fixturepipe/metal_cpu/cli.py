"""`metal-cpu`: inspect and compile a Metal kernel body without a GPU.

    metal-cpu signature kernels/k.metal --input a_strict:float32:4x64x1x64 --output a_inv:float32
    metal-cpu check kernels/k.metal --input ... --output ... [--template T=float32]
        [--target aarch64-macos]

`signature` prints the source MLX would generate (what verbose=True shows);
`check` also translates, compiles and links it for the CPU executor and prints
errors as `file:line:col: error: ...`, exiting 1 on failure; with `--target` it
builds for another platform (x86_64-linux-gnu, aarch64-linux-gnu, x86_64-macos,
aarch64-macos) and says what it produced. Exit status 2: bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import mlx.core as mx

from .errors import MetalCpuError
from .kernel import metal_kernel
from .toolchain import Target, host_target, target_named

_DTYPES = {
    name: getattr(mx, name)
    for name in (
        "float32",
        "float16",
        "bfloat16",
        "bool_",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
    )
}
_DTYPES["bool"] = mx.bool_


def _dtype(name: str) -> mx.Dtype:
    try:
        return _DTYPES[name]
    except KeyError:
        raise argparse.ArgumentTypeError(
            f"unknown dtype {name!r} (one of {', '.join(sorted(_DTYPES))})"
        ) from None


def _input(spec: str) -> tuple[str, mx.array]:
    parts = spec.split(":")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"--input {spec!r}: expected NAME:DTYPE:SHAPE (4x64)")
    shape = [int(d) for d in parts[2].split("x")] if parts[2] not in ("", "scalar") else []
    return parts[0], mx.zeros(shape, dtype=_dtype(parts[1]))


def _output(spec: str) -> tuple[str, mx.Dtype]:
    name, _, dtype = spec.partition(":")
    return name, _dtype(dtype or "float32")


def _template(spec: str) -> tuple[str, object]:
    name, sep, value = spec.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"--template {spec!r}: expected NAME=VALUE")
    if value in ("true", "false"):
        return name, value == "true"
    if value.lstrip("-").isdigit():
        return name, int(value)
    return name, _dtype(value)


def _target(name: str) -> Target:
    try:
        return target_named(name)
    except MetalCpuError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _binary_kind(path: Path) -> str:
    """What a linked binary is, from its header: enough to tell ELF from Mach-O and the CPU."""
    head = path.read_bytes()[:20]
    if head[:4] == b"\x7fELF":
        machine = int.from_bytes(head[18:20], "little")
        cpu = {62: "x86-64", 183: "aarch64"}.get(machine, f"machine {machine}")
        return f"ELF 64-bit executable, {cpu}"
    if head[:4] == b"\xcf\xfa\xed\xfe":
        cputype = int.from_bytes(head[4:8], "little")
        return "Mach-O 64-bit executable, " + {0x01000007: "x86_64", 0x0100000C: "arm64"}.get(
            cputype, f"cputype {cputype:#x}"
        )
    return "unrecognised binary"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="metal-cpu", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    for cmd, help_ in (
        ("signature", "print MLX's generated source"),
        ("check", "translate and compile for the CPU executor"),
    ):
        s = sub.add_parser(cmd, help=help_)
        s.add_argument("source", type=Path, help="kernel body (.metal)")
        s.add_argument("--header", type=Path, help="header file (MLX's header=)")
        s.add_argument("--name", help="kernel name (default: the file's stem)")
        s.add_argument(
            "--input",
            type=_input,
            action="append",
            default=[],
            metavar="NAME:DTYPE:SHAPE",
            help="an input, e.g. x:float32:4x64",
        )
        s.add_argument(
            "--output",
            type=_output,
            action="append",
            default=[],
            metavar="NAME:DTYPE",
            help="an output, e.g. y:float32",
        )
        s.add_argument(
            "--template",
            type=_template,
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="template argument: dtype, int or true/false",
        )
        s.add_argument("--atomic-outputs", action="store_true")
        if cmd == "check":
            s.add_argument(
                "--target",
                type=_target,
                help="build for this platform instead of this machine, e.g. aarch64-macos",
            )
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `metal-cpu` console script."""
    args = _parser().parse_args(argv)
    if not args.output:
        print("metal-cpu: give at least one --output NAME:DTYPE", file=sys.stderr)
        return 2
    name = args.name or args.source.stem
    try:
        kernel = metal_kernel(
            name,
            [n for n, _ in args.input],
            [n for n, _ in args.output],
            args.source.read_text(),
            header=args.header.read_text() if args.header else "",
            atomic_outputs=args.atomic_outputs,
            source_path=str(args.source),
            header_path=str(args.header) if args.header else None,
        )
        inputs = [a for _, a in args.input]
        dtypes = [d for _, d in args.output]
        if args.command == "signature":
            print(kernel.generated_source(inputs, dtypes, args.template), end="")
            return 0
        target = args.target or host_target()
        compiled = kernel.compile(inputs, dtypes, args.template, target=target)
    except MetalCpuError as e:
        print(e, file=sys.stderr)
        return 1
    how = "cached" if compiled.cached else f"compiled in {compiled.compile_seconds:.2f} s"
    print(
        f"{args.source}: ok for {target.triple} (cpu {target.cpu}): "
        f"{_binary_kind(compiled.path)} ({how}: {compiled.path})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
