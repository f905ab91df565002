"""Read the object literal of a `farm.config.ts`/`.js` without running it.

A FARM config is a TypeScript module whose default export is an object literal,
usually wrapped in `defineConfig(...)`. We tokenize the whole module and parse
just enough of the expression grammar to turn that literal into Python values:
comments, trailing commas, unquoted keys, the three quote styles, numbers,
booleans, `null`/`undefined`, arrays, nested objects, `as const`,
`satisfies T`, and `process.env.X` (optionally `?? 'default'` or `|| 'default'`)
which becomes an `EnvRef`. Anything else that is valid code but not a literal
(a call, a comparison, an interpolated template) becomes an `Expr` holding its
source text, with a note; the caller decides what to do with it. Nothing is
evaluated and Node is not needed.

Entry point: `parse_config_module(text) -> ParseResult`; syntax errors raise
`TsSyntaxError` with a 1-based line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EnvRef",
    "Expr",
    "Note",
    "ParseResult",
    "TsSyntaxError",
    "parse_config_module",
    "parse_expression",
]


class TsSyntaxError(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} (line {line}, column {column})")
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class EnvRef:
    """`process.env.NAME`, or `import.meta.env.NAME`, with its fallback if any."""

    name: str
    default: Any = None
    operator: str | None = None  # "??" or "||" when a default is given


@dataclass(frozen=True)
class Expr:
    """Valid code that is not a literal; kept as source text, never evaluated."""

    source: str


@dataclass(frozen=True)
class Note:
    line: int
    column: int
    message: str


@dataclass
class ParseResult:
    value: Any
    notes: list[Note] = field(default_factory=list)
    # dotted key path ("ai.providers.ollama.url") -> 1-based line of the key
    lines: dict[str, int] = field(default_factory=dict)
    export: str = ""  # how the value was exported, e.g. "export default defineConfig(...)"


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class Token:
    kind: str  # ident, string, template, number, punct, regex, eof
    value: Any
    start: int
    end: int
    line: int
    column: int


_PUNCTUATORS = sorted(
    [
        ">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=",
        "=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=",
        "*=", "/=", "%=", "&=", "|=", "^=", "**", "<<", ">>",
        "{", "}", "(", ")", "[", "]", ";", ",", "<", ">", "+", "-", "*", "/", "%",
        "&", "|", "^", "!", "~", "?", ":", "=", ".", "@", "#",
    ],
    key=len,
    reverse=True,
)  # fmt: skip
# `\w` is Unicode-aware and, unlike a wide explicit range, cheap to compile
_IDENT = re.compile(r"[\w$]*")
_NUMBER = re.compile(
    r"0[xX][0-9a-fA-F_]+n?|0[oO][0-7_]+n?|0[bB][01_]+n?|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?n?"
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
# after these a `/` starts a regular expression, not a division
_REGEX_AFTER_KEYWORDS = {
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
    "else",
}


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.line_start = 0
        self.tokens: list[Token] = []

    def error(self, message: str, pos: int | None = None) -> TsSyntaxError:
        pos = self.pos if pos is None else pos
        line = self.text.count("\n", 0, pos) + 1
        column = pos - (self.text.rfind("\n", 0, pos) + 1) + 1
        return TsSyntaxError(message, line, column)

    def _advance_to(self, pos: int) -> None:
        newlines = self.text.count("\n", self.pos, pos)
        if newlines:
            self.line += newlines
            self.line_start = self.text.rfind("\n", self.pos, pos) + 1
        self.pos = pos

    def _regex_allowed(self) -> bool:
        if not self.tokens:
            return True
        last = self.tokens[-1]
        if last.kind in ("number", "string", "template", "regex"):
            return False
        if last.kind == "ident":
            return last.value in _REGEX_AFTER_KEYWORDS
        return last.value not in (")", "]", "}")

    def run(self) -> list[Token]:
        text = self.text
        n = len(text)
        while True:
            self._skip_space_and_comments()
            if self.pos >= n:
                self.tokens.append(Token("eof", None, n, n, self.line, self.pos - self.line_start + 1))
                return self.tokens
            start, line, column = self.pos, self.line, self.pos - self.line_start + 1
            ch = text[start]
            if ch in "'\"":
                value, end = self._string(start)
                self._push("string", value, start, end, line, column)
            elif ch == "`":
                value, end = self._template(start)
                self._push("template", value, start, end, line, column)
            elif ch.isdigit() or (ch == "." and start + 1 < n and text[start + 1].isdigit()):
                m = _NUMBER.match(text, start)
                assert m is not None
                self._push("number", m.group(0), start, m.end(), line, column)
            elif ch.isalpha() or ch in "_$":
                m = _IDENT.match(text, start + 1)
                assert m is not None
                self._push("ident", text[start : m.end()], start, m.end(), line, column)
            elif ch == "/" and self._regex_allowed():
                end = self._regex(start)
                self._push("regex", text[start:end], start, end, line, column)
            else:
                for p in _PUNCTUATORS:
                    if text.startswith(p, start):
                        self._push("punct", p, start, start + len(p), line, column)
                        break
                else:
                    raise self.error(f"unexpected character {ch!r}")

    def _push(self, kind: str, value: Any, start: int, end: int, line: int, column: int) -> None:
        self.tokens.append(Token(kind, value, start, end, line, column))
        self._advance_to(end)

    def _skip_space_and_comments(self) -> None:
        text, n = self.text, len(self.text)
        pos = self.pos
        while pos < n:
            ch = text[pos]
            if ch in " \t\r\n\ufeff\u00a0\u2028\u2029\v\f":
                pos += 1
            elif text.startswith("//", pos):
                end = text.find("\n", pos)
                pos = n if end < 0 else end
            elif text.startswith("/*", pos):
                end = text.find("*/", pos + 2)
                if end < 0:
                    raise self.error("unterminated /* comment", pos)
                pos = end + 2
            else:
                break
        self._advance_to(pos)

    def _escape(self, i: int) -> tuple[str, int]:
        """Decode the escape whose backslash is at i-1; return (text, next index)."""
        text = self.text
        if i >= len(text):
            raise self.error("unterminated string", i)
        ch = text[i]
        if ch in _ESCAPES and not (ch == "0" and i + 1 < len(text) and text[i + 1].isdigit()):
            return _ESCAPES[ch], i + 1
        if ch == "x":
            return chr(int(text[i + 1 : i + 3], 16)), i + 3
        if ch == "u":
            if text.startswith("{", i + 1):
                end = text.index("}", i)
                return chr(int(text[i + 2 : end], 16)), end + 1
            return chr(int(text[i + 1 : i + 5], 16)), i + 5
        if ch == "\r" and text.startswith("\r\n", i):
            return "", i + 2
        if ch in "\n\u2028\u2029":
            return "", i + 1
        return ch, i + 1

    def _string(self, start: int) -> tuple[str, int]:
        text, quote = self.text, self.text[start]
        out: list[str] = []
        i = start + 1
        while True:
            if i >= len(text) or text[i] == "\n":
                raise self.error("unterminated string", start)
            ch = text[i]
            if ch == quote:
                return "".join(out), i + 1
            if ch == "\\":
                try:
                    piece, i = self._escape(i + 1)
                except ValueError:
                    raise self.error("bad escape in string", i) from None
                out.append(piece)
                continue
            out.append(ch)
            i += 1

    def _template(self, start: int) -> tuple[list[str | tuple[int, int]], int]:
        """Returns the parts: literal strings and (start, end) spans of `${...}` code."""
        text = self.text
        parts: list[str | tuple[int, int]] = []
        buf: list[str] = []
        i = start + 1
        while True:
            if i >= len(text):
                raise self.error("unterminated template literal", start)
            ch = text[i]
            if ch == "`":
                parts.append("".join(buf))
                return parts, i + 1
            if ch == "\\":
                try:
                    piece, i = self._escape(i + 1)
                except ValueError:
                    raise self.error("bad escape in template literal", i) from None
                buf.append(piece)
                continue
            if text.startswith("${", i):
                parts.append("".join(buf))
                buf = []
                end = self._skip_interpolation(i + 2)
                parts.append((i + 2, end - 1))
                i = end
                continue
            buf.append(ch)
            i += 1

    def _skip_interpolation(self, i: int) -> int:
        """Index just past the `}` closing a `${`, honouring nested strings and braces."""
        text, depth = self.text, 1
        while i < len(text):
            ch = text[i]
            if ch in "'\"":
                _, i = self._string(i)
                continue
            if ch == "`":
                _, i = self._template(i)
                continue
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        raise self.error("unterminated ${ in template literal", i)

    def _regex(self, start: int) -> int:
        text, i, in_class = self.text, start + 1, False
        while i < len(text) and text[i] != "\n":
            ch = text[i]
            if ch == "\\":
                i += 2
                continue
            if ch == "[":
                in_class = True
            elif ch == "]":
                in_class = False
            elif ch == "/" and not in_class:
                m = _IDENT.match(text, i + 1)
                return m.end() if m else i + 1
            i += 1
        raise self.error("unterminated regular expression", start)


def tokenize(text: str) -> list[Token]:
    return _Lexer(text).run()


# --------------------------------------------------------------------------- parser

_BINARY_PRECEDENCE = {
    "??": 1, "||": 2, "&&": 3, "|": 4, "^": 5, "&": 6,
    "==": 7, "!=": 7, "===": 7, "!==": 7,
    "<": 8, ">": 8, "<=": 8, ">=": 8, "instanceof": 8, "in": 8,
    "<<": 9, ">>": 9, ">>>": 9, "+": 10, "-": 10, "*": 11, "/": 11, "%": 11, "**": 12,
}  # fmt: skip
_LITERAL_IDENTS = {"true": True, "false": False, "null": None, "undefined": None}


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.i = 0
        self.notes: list[Note] = []
        self.lines: dict[str, int] = {}
        self.consts: dict[str, int] = {}  # name -> token index of its initializer
        self.path: list[str] = []
        self.resolving: set[str] = set()

    # -- helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def at(self, value: str, kind: str | None = None) -> bool:
        t = self.tok
        return t.value == value and t.kind in ((kind,) if kind else ("punct", "ident"))

    def error(self, message: str, tok: Token | None = None) -> TsSyntaxError:
        tok = tok or self.tok
        return TsSyntaxError(message, tok.line, tok.column)

    def expect(self, value: str) -> Token:
        if not self.at(value):
            found = "end of file" if self.tok.kind == "eof" else repr(self.tok.value)
            raise self.error(f"expected {value!r}, found {found}")
        t = self.tok
        self.i += 1
        return t

    def note(self, tok: Token, message: str) -> None:
        self.notes.append(Note(tok.line, tok.column, message))

    def source(self, start_tok: Token, end_index: int) -> str:
        end = self.tokens[end_index - 1].end if end_index > 0 else start_tok.end
        return " ".join(self.text[start_tok.start : end].split())

    def skip_balanced(self) -> None:
        """Skip one token, or a whole bracketed group when it opens one."""
        pairs = {"(": ")", "[": "]", "{": "}"}
        t = self.tok
        if t.kind == "punct" and t.value in pairs:
            stack = [pairs[t.value]]
            self.i += 1
            while stack:
                t = self.tok
                if t.kind == "eof":
                    raise self.error(f"missing {stack[-1]!r}")
                if t.kind == "punct":
                    if t.value in pairs:
                        stack.append(pairs[t.value])
                    elif t.value in (")", "]", "}"):
                        if t.value != stack[-1]:
                            raise self.error(f"expected {stack[-1]!r}, found {t.value!r}")
                        stack.pop()
                self.i += 1
        else:
            self.i += 1

    # -- module level
    def module(self) -> ParseResult:
        export_at: int | None = None
        export_kind = ""
        while self.tok.kind != "eof":
            t = self.tok
            if t.kind == "ident" and t.value in ("const", "let", "var") and self.peek().kind == "ident":
                name = self.peek().value
                self.i += 2
                self.skip_type_annotation()
                if self.at("="):
                    self.i += 1
                    self.consts.setdefault(name, self.i)
                continue
            if t.kind == "ident" and t.value == "export" and self.peek().value == "default":
                self.i += 2
                export_at, export_kind = self.i, "export default"
                break
            if (
                t.kind == "ident"
                and t.value == "module"
                and self.peek().value == "."
                and self.peek(2).value == "exports"
                and self.peek(3).value == "="
            ):
                self.i += 4
                export_at, export_kind = self.i, "module.exports ="
                break
            self.skip_balanced()
        if export_at is None:
            raise self.error("no `export default` or `module.exports =` found")
        self.i = export_at
        start = self.tok
        value = self.config_value(self.expression())
        return ParseResult(value, self.notes, self.lines, f"{export_kind} {self.source(start, self.i)[:40]}")

    def config_value(self, value: Any) -> Any:
        """`defineConfig({...})` / an identifier bound to a const -> the object inside."""
        if isinstance(value, _Call) and len(value.args) >= 1:
            value = value.args[0]
        if isinstance(value, _Arrow):
            value = value.body
        return value

    def skip_type_annotation(self) -> None:
        if not self.at(":"):
            return
        self.i += 1
        self.skip_type()

    def skip_type(self) -> None:
        """Skip a type (after `:`, `as` or `satisfies`); stop where the expression goes on."""
        depth = 0
        want_operand = True
        after_params = False  # `(a: X) => Y` is a function type; otherwise `=>` ends the type
        while self.tok.kind != "eof":
            t = self.tok
            if t.kind == "punct":
                v = t.value
                if v in ("(", "[", "{"):
                    if not want_operand and depth == 0 and v != "[":
                        return
                    after_params = v == "(" and want_operand
                    self.skip_balanced()
                    want_operand = False
                    continue
                if v == "=>" and depth == 0 and not after_params:
                    return
                after_params = False
                if v == "<":
                    depth += 1
                    want_operand = True
                elif v in (">", ">>", ">>>") and depth:
                    depth = max(0, depth - len(v))
                    want_operand = False
                elif v in (".", "|", "&", "?", "=>", "?.") or (v == "," and depth):
                    want_operand = True
                elif depth == 0:
                    return
            else:
                after_params = False
                if not want_operand and depth == 0:
                    return
                want_operand = t.kind == "ident" and t.value in (
                    "keyof",
                    "typeof",
                    "readonly",
                    "infer",
                    "unique",
                    "extends",
                    "is",
                )
            self.i += 1

    # -- expressions
    def expression(self) -> Any:
        value = self.binary(0)
        if self.at("?", "punct"):
            start = self.tok
            self.i += 1
            self.expression()
            self.expect(":")
            self.expression()
            self.note(start, "conditional expression kept as code")
            return Expr(self.source(start, self.i))
        return value

    def binary(self, min_prec: int) -> Any:
        start = self.tok
        left = self.unary()
        while True:
            t = self.tok
            if t.kind == "ident" and t.value in ("as", "satisfies"):
                self.i += 1
                if self.at("const", "ident"):
                    self.i += 1
                else:
                    self.skip_type()
                continue
            if (
                t.kind == "punct"
                and t.value == "!"
                and self.peek().kind in ("punct", "eof")
                and (self.peek().kind == "eof" or self.peek().value in (",", "}", ")", "]", ";", "."))
            ):
                self.i += 1  # non-null assertion
                continue
            prec = _BINARY_PRECEDENCE.get(t.value) if t.kind in ("punct", "ident") else None
            if prec is None or prec <= min_prec:
                return left
            self.i += 1
            right = self.binary(prec)
            left = self.combine(t.value, left, right, start)

    def combine(self, op: str, left: Any, right: Any, start: Token) -> Any:
        if op in ("??", "||") and isinstance(left, EnvRef) and left.default is None and _is_plain(right):
            return EnvRef(left.name, right, op)
        if op == "+" and isinstance(left, str) and isinstance(right, str):
            return left + right
        self.note(start, f"expression with {op!r} kept as code")
        return Expr(self.source(start, self.i))

    def unary(self) -> Any:
        t = self.tok
        if t.kind == "punct" and t.value in ("-", "+") and self.peek().kind == "number":
            self.i += 1
            number = self.primary_postfix()
            if isinstance(number, int | float):
                return -number if t.value == "-" else number
            return number
        if (t.kind == "punct" and t.value in ("!", "~", "-", "+")) or (
            t.kind == "ident" and t.value in ("typeof", "void", "await", "new", "delete")
        ):
            self.i += 1
            self.unary()
            self.note(t, f"{t.value!r} expression kept as code")
            return Expr(self.source(t, self.i))
        return self.primary_postfix()

    def primary_postfix(self) -> Any:
        start, start_index = self.tok, self.i
        member: list[str] | None = None
        if start.kind == "ident" and start.value not in _LITERAL_IDENTS and not self.starts_function():
            self.i += 1
            member, value = [start.value], None
        else:
            value = self.primary()
        postfix = False
        while True:
            t = self.tok
            if t.kind == "punct" and t.value in (".", "?."):
                name = self.peek()
                if name.kind != "ident":
                    raise self.error("expected a property name after '.'", name)
                self.i += 2
                if member is not None:
                    member.append(name.value)
            elif t.kind == "punct" and t.value == "[" and self.tokens[self.i - 1].line == t.line:
                self.i += 1
                key = self.expression()
                self.expect("]")
                if member is not None and isinstance(key, str):
                    member.append(key)
                else:
                    member = None
            elif t.kind == "punct" and t.value == "<" and (end := self.type_arguments_end()) is not None:
                self.i = end  # defineConfig<FarmConfig>(...): type arguments do not change the call
                continue
            elif t.kind == "punct" and t.value == "(":
                self.i += 1
                args = self.arguments()
                callee = ".".join(member) if member else self.source(start, start_index + 1)
                value, member = _Call(callee, args, self.source(start, self.i)), None
                postfix = False
                continue
            elif t.kind == "template" and self.tokens[self.i - 1].end == t.start:
                self.i += 1  # tagged template
                member = None
            else:
                break
            postfix = True
        if member is not None:
            return self.member_value(member, start)
        if postfix:
            self.note(start, "member access kept as code")
            return Expr(self.source(start, self.i))
        return value

    def type_arguments_end(self) -> int | None:
        """Index after `<...>` when the `<` at the cursor opens type arguments of a call, else None."""
        depth, i = 0, self.i
        while i < len(self.tokens):
            t = self.tokens[i]
            if t.kind == "eof" or (t.kind == "punct" and t.value in (";", "{", "}", "=", "=>")):
                return None
            if t.kind == "punct" and t.value == "<":
                depth += 1
            elif t.kind == "punct" and t.value in (">", ">>", ">>>"):
                depth -= len(t.value)
                if depth <= 0:
                    after = self.tokens[i + 1] if i + 1 < len(self.tokens) else None
                    return i + 1 if depth == 0 and after is not None and after.value == "(" else None
            i += 1
        return None

    def starts_function(self) -> bool:
        t = self.tok
        return (
            t.value in ("function", "class")
            or (t.value == "async" and self.peek().value in ("function", "("))
            or self.peek().value == "=>"
        )

    def member_value(self, member: list[str], start: Token) -> Any:
        if len(member) == 3 and member[:2] == ["process", "env"]:
            return EnvRef(member[2])
        if len(member) == 4 and member[:3] == ["import", "meta", "env"]:
            return EnvRef(member[3])
        if len(member) == 1 and member[0] in self.consts:
            return self.resolve_const(member[0], start)
        self.note(start, f"reference to {'.'.join(member)!r} kept as code")
        return Expr(".".join(member))

    def resolve_const(self, name: str, start: Token) -> Any:
        if name in self.resolving:
            raise self.error(f"{name!r} refers to itself", start)
        saved_i, saved_path = self.i, self.path
        self.resolving.add(name)
        try:
            self.i = self.consts[name]
            self.path = list(saved_path)
            return self.config_value(self.expression())
        finally:
            self.resolving.discard(name)
            self.i, self.path = saved_i, saved_path

    def arguments(self) -> list[Any]:
        args: list[Any] = []
        while not self.at(")"):
            if self.at("...", "punct"):
                self.i += 1
            args.append(self.expression())
            if not self.at(")"):
                self.expect(",")
        self.i += 1
        return args

    def primary(self) -> Any:
        t = self.tok
        if t.kind == "string":
            self.i += 1
            return t.value
        if t.kind == "number":
            self.i += 1
            return _number(t.value)
        if t.kind == "template":
            self.i += 1
            parts = t.value
            if len(parts) == 1:
                return parts[0]
            self.note(t, "template literal with ${...} kept as code")
            return Expr(self.text[t.start : t.end])
        if t.kind == "regex":
            self.i += 1
            return Expr(t.value)
        if t.kind == "ident":
            if t.value in _LITERAL_IDENTS:
                self.i += 1
                return _LITERAL_IDENTS[t.value]
            if self.starts_function():
                return self.opaque_function(t)
            raise self.error(f"unexpected {t.value!r}")
        if t.kind == "punct":
            if t.value == "{":
                return self.object()
            if t.value == "[":
                return self.array()
            if t.value == "(":
                if self.is_arrow():
                    return self.opaque_function(t)
                self.i += 1
                value = self.expression()
                while self.at(","):
                    self.i += 1
                    value = self.expression()
                self.expect(")")
                return value
        found = "end of file" if t.kind == "eof" else repr(t.value)
        raise self.error(f"expected a value, found {found}")

    def is_arrow(self) -> bool:
        saved = self.i
        try:
            self.skip_balanced()
            if self.at(":", "punct"):
                self.i += 1
                self.skip_type()
            return self.at("=>", "punct")
        except TsSyntaxError:
            return False
        finally:
            self.i = saved

    def opaque_function(self, start: Token) -> Any:
        if self.at("async", "ident"):
            self.i += 1
        if self.at("function", "ident") or self.at("class", "ident"):
            self.i += 1
            if self.tok.kind == "ident":
                self.i += 1
            while not self.at("{", "punct"):
                if self.tok.kind == "eof":
                    raise self.error("expected '{'")
                self.skip_balanced()
            self.skip_balanced()
        else:
            self.skip_balanced()  # parameters (or a single identifier)
            if self.at(":", "punct"):
                self.i += 1
                self.skip_type()
            self.expect("=>")
            if self.at("{", "punct"):
                self.skip_balanced()
            else:
                body = self.expression()
                return _Arrow(body, self.source(start, self.i))
        self.note(start, "function kept as code")
        return Expr(self.source(start, self.i))

    def array(self) -> list[Any]:
        self.expect("[")
        items: list[Any] = []
        index = 0
        while not self.at("]"):
            if self.at(","):  # hole
                self.i += 1
                items.append(None)
                index += 1
                continue
            if self.at("...", "punct"):
                spread_tok = self.tok
                self.i += 1
                spread = self.expression()
                if isinstance(spread, list):
                    items.extend(spread)
                else:
                    self.note(spread_tok, f"spread of {_describe(spread)} ignored")
            else:
                self.path.append(str(index))
                self.lines.setdefault(".".join(self.path), self.tok.line)
                items.append(self.expression())
                self.path.pop()
            index += 1
            if not self.at("]"):
                self.expect(",")
        self.i += 1
        return items

    def object(self) -> dict[str, Any]:
        self.expect("{")
        out: dict[str, Any] = {}
        while not self.at("}"):
            t = self.tok
            if t.kind == "punct" and t.value == "...":
                self.i += 1
                spread = self.expression()
                if isinstance(spread, dict):
                    out.update(spread)
                else:
                    self.note(t, f"spread of {_describe(spread)} ignored")
            else:
                key = self.property_key()
                self.path.append(key if key is not None else "?")
                dotted = ".".join(self.path)
                self.lines.setdefault(dotted, t.line)
                if self.at(":"):
                    self.i += 1
                    value = self.expression()
                    if key is not None:
                        out[key] = value
                elif self.at("(") or self.at("<"):
                    self.skip_balanced() if self.at("(") else self.skip_type()
                    if self.at("(", "punct"):
                        self.skip_balanced()
                    if self.at(":", "punct"):
                        self.i += 1
                        self.skip_type()
                    self.skip_balanced()  # method body
                    self.note(t, f"method {key!r} kept as code")
                    if key is not None:
                        out[key] = Expr(f"{key}() {{...}}")
                elif key is not None and t.kind == "ident":
                    out[key] = self.member_value([key], t)  # shorthand `{ name }`
                else:
                    raise self.error("expected ':' after the property name")
                self.path.pop()
            if not self.at("}"):
                if not self.at(","):
                    found = "end of file" if self.tok.kind == "eof" else repr(self.tok.value)
                    raise self.error(f"expected ',' or '}}' in object, found {found}")
                self.i += 1
        self.i += 1
        return out

    def property_key(self) -> str | None:
        t = self.tok
        if (
            t.kind == "ident"
            and t.value in ("get", "set", "async")
            and self.peek().kind in ("ident", "string")
            and self.peek().value not in (":",)
        ):
            self.i += 1  # accessor/async method prefix
            t = self.tok
        if t.kind in ("ident", "string"):
            self.i += 1
            return t.value
        if t.kind == "number":
            self.i += 1
            return str(_number(t.value))
        if t.kind == "template" and len(t.value) == 1:
            self.i += 1
            return t.value[0]
        if t.kind == "punct" and t.value == "[":
            self.i += 1
            key = self.expression()
            self.expect("]")
            if isinstance(key, str):
                return key
            self.note(t, "computed property name kept out")
            return None
        found = "end of file" if t.kind == "eof" else repr(t.value)
        raise self.error(f"expected a property name, found {found}")


@dataclass(frozen=True)
class _Arrow:
    body: Any
    source: str


@dataclass(frozen=True)
class _Call:
    callee: str
    args: list[Any]
    source: str


def _number(text: str) -> int | float:
    text = text.replace("_", "").rstrip("n")
    lower = text.lower()
    if lower.startswith("0x"):
        return int(text, 16)
    if lower.startswith("0o"):
        return int(text[2:], 8)
    if lower.startswith("0b"):
        return int(text[2:], 2)
    value = float(text)
    return int(value) if value.is_integer() and "." not in text and "e" not in lower else value


def _is_plain(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _describe(value: Any) -> str:
    if isinstance(value, Expr):
        return repr(value.source)
    if isinstance(value, EnvRef):
        return f"process.env.{value.name}"
    return type(value).__name__


def _finish(value: Any) -> Any:
    """Replace internal call nodes by `Expr` so callers only see public types."""
    if isinstance(value, _Call | _Arrow):
        return Expr(value.source)
    if isinstance(value, dict):
        return {k: _finish(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finish(v) for v in value]
    return value


def parse_config_module(text: str) -> ParseResult:
    """Parse a config module and return its default export as Python values."""
    parser = _Parser(text, tokenize(text))
    result = parser.module()
    result.value = _finish(result.value)
    return result


def parse_expression(text: str) -> Any:
    """Parse one expression (a JSON-ish literal, say) into Python values."""
    parser = _Parser(text, tokenize(text))
    value = parser.expression()
    if parser.tok.kind != "eof":
        raise parser.error(f"unexpected {parser.tok.value!r} after the value")
    return _finish(value)
