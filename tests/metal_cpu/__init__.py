"""Conformance suite of the CPU executor (fixturepipe.metal_cpu)."""
