"""Java ``java.util.regex`` patterns from the models, translated to Python's ``re``.

AWS models carry the patterns Coral enforces with ``Pattern.matches`` (the whole value
must match; IAM rejects "my role" against ``[\\w+=,.@-]+``), in Java's dialect. The
differences that matter here:

* ``\\w``, ``\\d``, ``\\s``, ``\\b`` and the POSIX classes ``\\p{Alpha}``... are ASCII-only
  in Java unless UNICODE_CHARACTER_CLASS is set: we compile with ``re.ASCII``.
* ``\\p{L}``, ``\\p{Lu}``, ``\\P{N}``... (Unicode general categories) do not exist in
  ``re``: they become explicit code point ranges built from ``unicodedata``.
* ``.`` excludes every Java line terminator, not just ``\\n``.
* ``\\Q...\\E``, ``\\z``, ``\\Z``, ``\\h``, ``\\x{...}``, ``\\e``, ``(?<name>...)``, ``\\k<name>``
  are spelled differently.

Anything else Java accepts and Python cannot express (class intersections ``&&``,
nested classes, scripts and blocks such as ``\\p{IsLatin}``, ``\\G``, mid-pattern
global flags) makes :func:`compile_java_pattern` return ``None``: the validator then
skips that pattern rather than guess, and records it in :data:`UNTRANSLATABLE_PATTERNS`.
"""

from __future__ import annotations

import re
import sys
import unicodedata
import warnings
from functools import cache
from typing import Final

UNTRANSLATABLE_PATTERNS: dict[str, str] = {}
"""Model patterns that were skipped, with the reason, for diagnostics and tests."""

_JAVA_LINE_TERMINATORS: Final = "\\n\\r\\x85\\u2028\\u2029"

_Ranges = tuple[tuple[int, int], ...]

_HORIZONTAL_SPACE: Final[_Ranges] = (
    (0x09, 0x09), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x180E, 0x180E),
    (0x2000, 0x200A), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000),
)  # fmt: skip
_VERTICAL_SPACE: Final[_Ranges] = ((0x0A, 0x0D), (0x85, 0x85), (0x2028, 0x2029))

# Java's POSIX character classes (US-ASCII only by default).
_POSIX_CLASSES: Final[dict[str, _Ranges]] = {
    "Lower": ((0x61, 0x7A),),
    "Upper": ((0x41, 0x5A),),
    "ASCII": ((0x00, 0x7F),),
    "Alpha": ((0x41, 0x5A), (0x61, 0x7A)),
    "Digit": ((0x30, 0x39),),
    "Alnum": ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)),
    "Punct": ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)),
    "Graph": ((0x21, 0x7E),),
    "Print": ((0x20, 0x7E),),
    "Blank": ((0x09, 0x09), (0x20, 0x20)),
    "Cntrl": ((0x00, 0x1F), (0x7F, 0x7F)),
    "XDigit": ((0x30, 0x39), (0x41, 0x46), (0x61, 0x66)),
    "Space": ((0x09, 0x0D), (0x20, 0x20)),
}

# java.lang.Character-backed and binary properties, as unions of general categories.
_CATEGORY_ALIASES: Final = {
    "javaLowerCase": ("Ll",),
    "javaUpperCase": ("Lu",),
    "javaLetter": ("L",),
    "javaDigit": ("Nd",),
    "javaLetterOrDigit": ("L", "Nd"),
    "IsLetter": ("L",),
    "IsDigit": ("Nd",),
    "IsPunctuation": ("P",),
    "IsAlphabetic": ("L", "Nl"),
    "IsUppercase": ("Lu",),
    "IsLowercase": ("Ll",),
    "IsControl": ("Cc",),
}


class UntranslatablePatternError(ValueError):
    """The Java pattern uses a construct Python's ``re`` cannot express."""


@cache
def compile_java_pattern(java_pattern: str) -> re.Pattern[str] | None:
    """A compiled equivalent of ``java_pattern``, or ``None`` when there is none.

    Cached: each model pattern is translated and compiled once per process.
    """
    try:
        with warnings.catch_warnings():
            # "--", "||", "~~" inside a class warn of future set operations; today's
            # meaning is Java's, so the warning is noise here.
            warnings.simplefilter("ignore", FutureWarning)
            return re.compile(translate_java_pattern(java_pattern), re.ASCII)
    except (UntranslatablePatternError, re.error) as problem:
        UNTRANSLATABLE_PATTERNS[java_pattern] = str(problem)
        return None


def translate_java_pattern(java_pattern: str) -> str:
    """Python ``re`` source with the same meaning as ``java_pattern``."""
    return _Translator(java_pattern).run()


class _Translator:
    def __init__(self, source: str) -> None:
        self.source = source
        self.position = 0
        self.in_class = False
        self.out: list[str] = []
        # Under (?s) Java's "." matches everything, as Python's does: leave it alone.
        self.dot_all = re.search(r"\(\?[a-zA-Z]*s", source) is not None

    def run(self) -> str:
        while self.position < len(self.source):
            char = self.source[self.position]
            self.position += 1
            if char == "\\":
                self._escape()
            elif self.in_class:
                self._class_char(char)
            else:
                self._plain_char(char)
        return "".join(self.out)

    def _plain_char(self, char: str) -> None:
        if char == "[":
            self.in_class = True
            self.out.append(char)
            self._class_opening()
        elif char == "." and not self.dot_all:
            self.out.append(f"[^{_JAVA_LINE_TERMINATORS}]")
        elif char == "(" and self.source.startswith("?<", self.position):
            following = self.source[self.position + 2 : self.position + 3]
            if following not in ("=", "!"):
                self.out.append("(?P<")
                self.position += 2
                return
            self.out.append(char)
        else:
            self.out.append(char)

    def _class_opening(self) -> None:
        # Keep "^" and a leading "]" (literal in both dialects) with the bracket.
        if self.source.startswith("^", self.position):
            self.out.append("^")
            self.position += 1
        if self.source.startswith("]", self.position):
            self.out.append("\\]")
            self.position += 1

    def _class_char(self, char: str) -> None:
        if char == "]":
            self.in_class = False
            self.out.append(char)
        elif char == "[":
            raise UntranslatablePatternError("nested character class")
        elif char == "&" and self.source.startswith("&", self.position):
            raise UntranslatablePatternError("character class intersection '&&'")
        else:
            self.out.append(char)

    def _escape(self) -> None:
        if self.position >= len(self.source):
            raise UntranslatablePatternError("trailing backslash")
        letter = self.source[self.position]
        self.position += 1
        if letter in "pP":
            self._property(negated=letter == "P")
        elif letter == "Q":
            self._quoted_literal()
        elif letter == "x" and self.source.startswith("{", self.position):
            self._braced_hex()
        elif letter == "k" and self.source.startswith("<", self.position):
            end = self._find("<", ">")
            self.out.append(f"(?P={self.source[self.position + 1 : end]})")
            self.position = end + 1
        else:
            self.out.append(self._simple_escape(letter))

    def _simple_escape(self, letter: str) -> str:
        if letter in "hH":
            return self._class_or_content(_HORIZONTAL_SPACE, negated=letter == "H")
        if letter in "vV":
            return self._class_or_content(_VERTICAL_SPACE, negated=letter == "V")
        if self.in_class:
            return "\\" + letter
        if letter == "z":
            return "\\Z"
        if letter == "Z":
            return f"(?=[{_JAVA_LINE_TERMINATORS}]?\\Z)"
        if letter == "e":
            return "\\x1b"
        if letter == "R":
            return f"(?:\\r\\n|[{_ranges_content(_VERTICAL_SPACE)}])"
        if letter == "G":
            raise UntranslatablePatternError("\\G (end of previous match)")
        return "\\" + letter

    def _property(self, *, negated: bool) -> None:
        if self.source.startswith("{", self.position):
            end = self._find("{", "}")
            name = self.source[self.position + 1 : end]
            self.position = end + 1
        else:
            name = self.source[self.position : self.position + 1]
            self.position += 1
        self.out.append(self._class_or_content(_property_ranges(name), negated=negated))

    def _class_or_content(self, ranges: _Ranges, *, negated: bool) -> str:
        if self.in_class:
            return _ranges_content(_complement(ranges) if negated else ranges)
        return f"[{'^' if negated else ''}{_ranges_content(ranges)}]"

    def _quoted_literal(self) -> None:
        end = self.source.find("\\E", self.position)
        end = len(self.source) if end < 0 else end
        literal = self.source[self.position : end]
        self.position = min(end + 2, len(self.source))
        self.out.append("".join(re.escape(char) for char in literal))

    def _braced_hex(self) -> None:
        end = self._find("{", "}")
        code_point = int(self.source[self.position + 1 : end], 16)
        self.position = end + 1
        self.out.append(f"\\U{code_point:08x}")

    def _find(self, opening: str, closing: str) -> int:
        end = self.source.find(closing, self.position)
        if end < 0:
            raise UntranslatablePatternError(f"unclosed {opening}")
        return end


def _property_ranges(name: str) -> _Ranges:
    """The code points ``\\p{name}`` matches."""
    if name in _POSIX_CLASSES:
        return _POSIX_CLASSES[name]
    for prefix in ("general_category=", "gc=", "Is"):
        if name.startswith(prefix) and _is_category(name.removeprefix(prefix)):
            name = name.removeprefix(prefix)
    if _is_category(name):
        return _category_ranges(name)
    if name in _CATEGORY_ALIASES:
        return tuple(sorted(r for cat in _CATEGORY_ALIASES[name] for r in _category_ranges(cat)))
    raise UntranslatablePatternError(f"unsupported property \\p{{{name}}}")


def _is_category(name: str) -> bool:
    return name in _all_category_ranges() or name in {cat[0] for cat in _all_category_ranges()}


def _category_ranges(name: str) -> _Ranges:
    table = _all_category_ranges()
    if len(name) == 2:
        return table.get(name, ())
    merged = sorted(r for cat, ranges in table.items() if cat[0] == name for r in ranges)
    return tuple(merged)


@cache
def _all_category_ranges() -> dict[str, _Ranges]:
    """Every general category as sorted code point ranges (one pass over Unicode)."""
    ranges: dict[str, list[tuple[int, int]]] = {}
    start, current = 0, unicodedata.category("\x00")
    for code_point in range(1, sys.maxunicode + 2):
        category = unicodedata.category(chr(code_point)) if code_point <= sys.maxunicode else ""
        if category != current:
            ranges.setdefault(current, []).append((start, code_point - 1))
            start, current = code_point, category
    return {cat: tuple(spans) for cat, spans in ranges.items()}


def _ranges_content(ranges: _Ranges) -> str:
    return "".join(
        _code_point_escape(low)
        if low == high
        else f"{_code_point_escape(low)}-{_code_point_escape(high)}"
        for low, high in ranges
    )


def _code_point_escape(code_point: int) -> str:
    return f"\\u{code_point:04x}" if code_point <= 0xFFFF else f"\\U{code_point:08x}"


def _complement(ranges: _Ranges) -> _Ranges:
    """The code points outside ``ranges`` (which may overlap, in any order)."""
    outside: list[tuple[int, int]] = []
    next_free = 0
    for low, high in sorted(ranges):
        if low > next_free:
            outside.append((next_free, low - 1))
        next_free = max(next_free, high + 1)
    if next_free <= sys.maxunicode:
        outside.append((next_free, sys.maxunicode))
    return tuple(outside)
