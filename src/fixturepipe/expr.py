"""Safe evaluation of the small integer/boolean expressions used in kernel specs.

Specs say things like ``"T % BT == 0"`` or ``["T", "H", "B"]``.  They are data
written by kernel authors, so they are evaluated by walking a whitelisted AST
(numbers, size names, arithmetic, comparisons, boolean logic, min/max) instead
of ``eval``: a typo becomes an error naming the expression, never code execution.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_CMPOPS: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_FUNCS: dict[str, Callable[..., Any]] = {"min": min, "max": max}


class ExpressionError(ValueError):
    """A spec expression is malformed or names an unknown size."""


def evaluate(expression: str | int | bool, names: Mapping[str, int]) -> int | bool:
    """Evaluate ``expression`` over ``names`` (the fixture's sizes).

    Plain ints and bools pass through so YAML may write ``threadgroup: [BT, 1, 1]``.
    """
    if isinstance(expression, bool | int):
        return expression
    try:
        tree = ast.parse(str(expression), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse expression {expression!r}: {exc.msg}") from exc
    return _eval(tree.body, names, str(expression))


def names_in(expression: str | int | bool) -> set[str]:
    """The size names an expression refers to (for spec validation)."""
    if isinstance(expression, bool | int):
        return set()
    tree = ast.parse(str(expression), mode="eval")
    return {
        node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id not in _FUNCS
    }


def _eval(node: ast.AST, names: Mapping[str, int], text: str) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, bool | int):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in names:
            raise ExpressionError(
                f"expression {text!r} uses {node.id!r}, which is not a size "
                f"(known: {', '.join(sorted(names))})"
            )
        return names[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left, right = _eval(node.left, names, text), _eval(node.right, names, text)
        if isinstance(node.op, ast.FloorDiv | ast.Mod) and right == 0:
            raise ExpressionError(f"expression {text!r} divides by zero")
        return _BINOPS[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_eval(node.operand, names, text)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _eval(node.operand, names, text)
    if isinstance(node, ast.BoolOp):
        values = [_eval(v, names, text) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, names, text)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            if type(op) not in _CMPOPS:
                break
            right = _eval(comparator, names, text)
            if not _CMPOPS[type(op)](left, right):
                return False
            left = right
        else:
            return True
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCS
        and not node.keywords
    ):
        return _FUNCS[node.func.id](*(_eval(a, names, text) for a in node.args))
    raise ExpressionError(
        f"expression {text!r} uses {ast.dump(node)[:40]}..., which specs do not allow "
        "(only integers, size names, + - * // % **, comparisons, and/or/not, min, max)"
    )
