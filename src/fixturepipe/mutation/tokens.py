"""A light tokenizer for Metal kernel bodies.

Mutation operators work on source *text* so that a mutant is the original with
one span replaced; they need to know where real code tokens are (not inside a
comment, a string literal or a preprocessor line) and where brackets match.
A full C++ parser is not needed for that, and would not survive Metal's
attributes and address-space qualifiers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Longest first, so that `<<=` is not read as `<` `<=`.
_PUNCTUATORS = (
    "<<=", ">>=", "...", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "::",
    "+", "-", "*", "/", "%", "<", ">", "=", "!", "~", "&", "|", "^", "?", ":", ";", ",",
    ".", "(", ")", "[", "]", "{", "}",
)
_NUMBER = re.compile(
    r"(?:0[xX][0-9a-fA-F]+|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)[uUlLfFhH]*"
)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Token:
    """One code token with its span in the source and its 1-based position."""

    kind: str  # "ident" | "number" | "punct" | "other"
    text: str
    start: int
    end: int
    line: int
    col: int


class TokenizeError(ValueError):
    """The source cannot be split into tokens (an unterminated comment or literal)."""


def tokenize(source: str) -> list[Token]:
    """Split `source` into code tokens, skipping comments, literals and `#` lines."""
    tokens: list[Token] = []
    pos = 0
    line = 1
    line_start = 0
    at_line_start = True
    n = len(source)
    while pos < n:
        ch = source[pos]
        if ch == "\n":
            pos += 1
            line += 1
            line_start = pos
            at_line_start = True
            continue
        if ch in " \t\r\f\v":
            pos += 1
            continue
        if ch == "#" and at_line_start:
            pos = _skip_preprocessor(source, pos)
            continue
        at_line_start = False
        if source.startswith("//", pos):
            end = source.find("\n", pos)
            pos = n if end < 0 else end
            continue
        if source.startswith("/*", pos):
            end = source.find("*/", pos + 2)
            if end < 0:
                raise TokenizeError(f"unterminated /* comment starting at line {line}")
            line += source.count("\n", pos, end)
            last_nl = source.rfind("\n", pos, end)
            if last_nl >= 0:
                line_start = last_nl + 1
            pos = end + 2
            continue
        if ch in "\"'":
            pos = _skip_literal(source, pos, line)
            continue
        col = pos - line_start + 1
        match = _NUMBER.match(source, pos) if (ch.isdigit() or ch == ".") else None
        if match and match.end() > pos and (ch != "." or len(match.group()) > 1):
            tokens.append(Token("number", match.group(), pos, match.end(), line, col))
            pos = match.end()
            continue
        match = _IDENT.match(source, pos)
        if match:
            tokens.append(Token("ident", match.group(), pos, match.end(), line, col))
            pos = match.end()
            continue
        for punct in _PUNCTUATORS:
            if source.startswith(punct, pos):
                tokens.append(Token("punct", punct, pos, pos + len(punct), line, col))
                pos += len(punct)
                break
        else:  # a character no operator aims at (`@`, `$`, a stray `\`): kept, inert
            tokens.append(Token("other", ch, pos, pos + 1, line, col))
            pos += 1
    return tokens


def _skip_preprocessor(source: str, pos: int) -> int:
    """Return the end of a preprocessor line, following backslash continuations."""
    while True:
        end = source.find("\n", pos)
        if end < 0:
            return len(source)
        if source[end - 1] != "\\":
            return end
        pos = end + 1


def _skip_literal(source: str, pos: int, line: int) -> int:
    """Return the index after the string or character literal starting at `pos`."""
    quote = source[pos]
    i = pos + 1
    while i < len(source):
        if source[i] == "\\":
            i += 2
            continue
        if source[i] == quote:
            return i + 1
        if source[i] == "\n":
            break
        i += 1
    raise TokenizeError(f"unterminated {quote} literal at line {line}")


def match_brackets(tokens: list[Token]) -> dict[int, int]:
    """Map the index of every `(`, `[`, `{` to its closing token's index and back."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    closing = {")": "(", "]": "[", "}": "{"}
    for i, tok in enumerate(tokens):
        if tok.kind != "punct":
            continue
        if tok.text in "([{":
            stack.append(i)
        elif tok.text in closing:
            if not stack or tokens[stack[-1]].text != closing[tok.text]:
                raise TokenizeError(
                    f"unbalanced {tok.text!r} at line {tok.line}, column {tok.col}"
                )
            opener = stack.pop()
            pairs[opener] = i
            pairs[i] = opener
    if stack:
        tok = tokens[stack[-1]]
        raise TokenizeError(f"unclosed {tok.text!r} at line {tok.line}, column {tok.col}")
    return pairs
