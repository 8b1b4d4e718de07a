"""Mutation testing of kernels against the fixture matrix.

`generate` derives named mutants from a kernel's Metal source with the
operator catalogue in `operators`; `runner` runs one mutant through the same
kernel stage and comparison as the real kernel on every fixture; `killmatrix`
aggregates the per-mutant results into the kill matrix, scores and unique
kills; `report` renders it as Markdown.
"""

from fixturepipe.mutation.generate import Mutant, find_mutant, generate_mutants, mutants_of_file
from fixturepipe.mutation.operators import OPERATOR_NAMES

__all__ = ["OPERATOR_NAMES", "Mutant", "find_mutant", "generate_mutants", "mutants_of_file"]
