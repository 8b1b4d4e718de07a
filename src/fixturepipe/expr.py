"""The expression language of kernel specs, defined here and only here.

Specs say things like ``"T % BT == 0"``, ``"BT in (16, 32, 64)"`` or
``["T", "H", "B"]``.  They are data written by kernel authors, so they are
evaluated by walking a whitelisted AST instead of ``eval``: a typo becomes an
error naming the expression, never code execution.  The language (also in
docs/pipeline.md "The kernel spec"):

* integers, ``True``/``False``, and the spec's size names;
* arithmetic ``+ - * // % **``, unary ``-``, bitwise ``& | ^ << >>`` (e.g.
  ``BT & (BT - 1) == 0`` for a power of two; mind Python's precedence: ``&``
  binds weaker than ``==``, so write ``(BT & (BT - 1)) == 0``);
* comparisons ``== != < <= > >=`` (chained: ``0 < K <= 256``) and membership
  ``in`` / ``not in`` a parenthesised tuple or list of expressions;
* ``and``, ``or``, ``not``; ``min(...)``, ``max(...)``.

No true division (``/``), no names but sizes, no attributes, calls or strings.
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
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
}
_CMPOPS: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
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
    """The size names an expression refers to (for messages naming the sizes involved)."""
    if isinstance(expression, bool | int):
        return set()
    tree = ast.parse(str(expression), mode="eval")
    return {
        node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id not in _FUNCS
    }


def check(expression: str | int | bool) -> set[str]:
    """Check that ``expression`` is in the language without evaluating it; return its names.

    Raises :class:`ExpressionError` quoting the whole expression and the part
    the language does not allow, so a spec is rejected when it is loaded,
    before any fixture is evaluated.
    """
    if isinstance(expression, bool | int):
        return set()
    text = str(expression)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse expression {text!r}: {exc.msg}") from exc
    _check(tree.body, text)
    return names_in(text)


def _check(node: ast.AST, text: str) -> None:
    if isinstance(node, ast.Constant) and isinstance(node.value, bool | int):
        return
    if isinstance(node, ast.Name) and node.id not in _FUNCS:
        return
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        children: list[ast.AST] = [node.left, node.right]
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Not):
        children = [node.operand]
    elif isinstance(node, ast.BoolOp):
        children = list(node.values)
    elif isinstance(node, ast.Compare) and all(type(op) in _CMPOPS for op in node.ops):
        children = [node.left]
        for op, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                if not isinstance(right, ast.Tuple | ast.List):
                    raise _not_allowed(right, text, "`in` needs a tuple or list, e.g. (16, 32, 64)")
                children += right.elts
            else:
                children.append(right)
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCS
        and not node.keywords
        and node.args
    ):
        children = list(node.args)
    else:
        raise _not_allowed(node, text, "")
    for child in children:
        _check(child, text)


def _not_allowed(node: ast.AST, text: str, hint: str) -> ExpressionError:
    return ExpressionError(
        f"expression {text!r} uses `{ast.unparse(node)}`, which the spec language does not "
        f"allow{'; ' + hint if hint else ''} (allowed: integers, size names, + - * // % ** "
        "& | ^ << >>, comparisons, in/not in a tuple, and/or/not, min, max; "
        "docs/pipeline.md \"The kernel spec\")"
    )


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
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(_eval(e, names, text) for e in node.elts)
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
    raise _not_allowed(node, text, "")
