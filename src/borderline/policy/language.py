"""Compile policy text into a tree of small Python closures: no ``eval``, no attribute access.

The only things an expression can reach are the names in ``FIELDS`` (order facts), the
signals assessors declare, the risk ``score`` and the functions in ``FUNCTIONS``. Anything else
is a compile error with its line and column.
"""

from __future__ import annotations

import difflib
import fnmatch
import operator
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from borderline.errors import PolicySyntaxError
from borderline.model import Finding, Outcome
from borderline.policy.catalogue import FindingCatalogue
from borderline.refdata import region_members

Value = Any


@dataclass
class Facts:
    """Everything an expression may read for one order."""

    fields: Mapping[str, Value]
    signals: Mapping[str, Value]
    findings: Sequence[Finding]
    score: float
    listed: Callable[[str, str], bool] = lambda _list, _value: False


Expr = Callable[[Facts], Value]

# Order facts a policy can name, with their meaning (docs/policies.md lists them; a test checks).
FIELDS: dict[str, str] = {
    "order.total": "order total in the order currency",
    "order.currency": "ISO 4217 currency of the order",
    "order.channel": "sales channel (web, app, marketplace…)",
    "order.merchant_id": "merchant id",
    "order.items": "number of line items",
    "order.quantity": "total quantity over all items",
    "order.hour": "hour of day (UTC) the order was placed",
    "buyer.kind": "person or organization",
    "buyer.email_domain": "domain of the buyer's email",
    "buyer.country": "country of the buyer's address",
    "ship_to.country": "shipping country",
    "ship_to.region": "shipping region/state",
    "ship_to.city": "shipping city",
    "ship_to.postal_code": "shipping postal code",
    "bill_to.country": "billing country",
    "payment.method": "card, wallet, bank_transfer, bnpl, cod, crypto, other",
    "payment.amount": "amount paid",
    "payment.currency": "payment currency",
    "payment.card_country": "issuing country of the card (from the BIN)",
    "payment.card_bin": "first 6-8 digits of the card",
    "ip.country": "country of the buyer's IP address",
    "device.id": "device id",
    "shipment.origin": "origin country of the shipment",
    "shipment.destination": "destination country of the shipment",
    "shipment.incoterm": "DDP, DAP, …",
    "shipment.mode": "air, ocean, road, rail, postal, express",
    "shipment.carrier": "carrier name",
    "customer.orders": "number of earlier orders by this customer",
    "customer.age_days": "days since the customer was first seen (0 if new)",
    "customer.first_seen": "true if this is the customer's first order",
    "customer.mean_amount": "mean amount of the customer's earlier orders",
}


def _find(pattern: str, findings: Sequence[Finding]) -> list[Finding]:
    if any(c in pattern for c in "*?["):
        return [f for f in findings if fnmatch.fnmatchcase(f.code, pattern)]
    # A plain prefix matches the code itself and everything below it.
    return [f for f in findings if f.code == pattern or f.code.startswith(pattern + ".")]


def _str(v: Value) -> str | None:
    return v if isinstance(v, str) else None


FUNCTIONS: dict[str, tuple[int, int, Callable[..., Value], str]] = {
    # name: (min args, max args, implementation taking (facts, *args), description)
    "has": (
        1,
        1,
        lambda f, p: bool(_find(p, f.findings)),
        'has("code.prefix") / has("glob.*"): a finding matches',
    ),
    "count": (1, 1, lambda f, p: len(_find(p, f.findings)), "number of matching findings"),
    "max_score": (
        1,
        1,
        lambda f, p: max((x.score for x in _find(p, f.findings)), default=0.0),
        "highest contribution among matching findings (0 if none)",
    ),
    "listed": (
        2,
        2,
        lambda f, name, v: v is not None and f.listed(name, str(v)),
        'listed("list name", value): value is on that block/allow list',
    ),
    "region": (
        1,
        1,
        lambda _f, name: list(region_members(name)),
        'countries of a region ("EU", "EEA") for use with in',
    ),
    "lower": (1, 1, lambda _f, v: v.lower() if isinstance(v, str) else None, "lower-case"),
    "upper": (1, 1, lambda _f, v: v.upper() if isinstance(v, str) else None, "upper-case"),
    "len": (1, 1, lambda _f, v: len(v) if isinstance(v, (str, list)) else None, "length"),
    "abs": (1, 1, lambda _f, v: abs(v) if isinstance(v, (int, float)) else None, "absolute value"),
    "min": (2, 8, lambda _f, *vs: min((v for v in vs if v is not None), default=None), "minimum"),
    "max": (2, 8, lambda _f, *vs: max((v for v in vs if v is not None), default=None), "maximum"),
    "starts_with": (
        2,
        2,
        lambda _f, v, p: isinstance(v, str) and v.startswith(str(p)),
        "string prefix test",
    ),
    "ends_with": (
        2,
        2,
        lambda _f, v, p: isinstance(v, str) and v.endswith(str(p)),
        "string suffix test",
    ),
    "contains": (2, 2, lambda _f, v, p: isinstance(v, str) and str(p) in v, "substring test"),
    "signal": (1, 1, lambda f, name: f.signals.get(name), "value of a signal by name"),
}

_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}


def _num(v: Value) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _compare(op: str, a: Value, b: Value) -> bool:
    # A missing value compares false with everything, like SQL's NULL: a rule about a card
    # country must not fire on an order without a card. Test for absence with `== null`.
    if a is None or b is None:
        return False
    if (_num(a) and _num(b)) or type(a) is type(b):
        try:
            return _CMP[op](a, b)
        except TypeError:
            return False
    # Mixed types (a string against a number) are simply unequal, never an exception.
    return op == "!="


@dataclass(frozen=True)
class Effect:
    kind: str  # outcome, add, require
    value: Any

    def __str__(self) -> str:
        if self.kind == "outcome":
            return str(self.value)
        if self.kind == "add":
            return f"add {self.value:g}" if self.value >= 0 else f"subtract {-self.value:g}"
        return f"require {self.value}"


@dataclass
class CompiledRule:
    name: str
    kind: str  # gate or rule
    effects: list[Effect]
    when: Expr
    because: str | None
    line: int
    source: str

    def fires(self, facts: Facts) -> bool:
        return bool(self.when(facts))


@dataclass
class CompiledPolicy:
    name: str
    thresholds: dict[Outcome, float]
    rules: list[CompiledRule]
    names_used: set[str] = field(default_factory=set)
    source: str = ""


DEFAULT_THRESHOLDS = {Outcome.REVIEW: 40.0, Outcome.HOLD: 70.0, Outcome.DECLINE: 90.0}


@cache
def _parser() -> Lark:
    grammar = (resources.files("borderline.policy") / "grammar.lark").read_text()
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=False)


def _pos(meta_or_token: Any) -> str:
    line = getattr(meta_or_token, "line", None)
    col = getattr(meta_or_token, "column", None)
    return f"{line}:{col}" if line is not None else "?"


class _Compiler:
    def __init__(
        self, known_signals: Collection[str] | None, known_codes: FindingCatalogue | None = None
    ) -> None:
        self.known_signals = known_signals
        self.known_codes = known_codes
        self.names_used: set[str] = set()

    def expr(self, node: Tree[Token] | Token) -> Expr:
        if isinstance(node, Token):
            raise PolicySyntaxError(f"unexpected {node!r}", where=_pos(node))
        method = getattr(self, "e_" + str(node.data), None)
        if method is None:
            raise PolicySyntaxError(f"unsupported expression {node.data}", where=_pos(node.meta))
        result: Expr = method(node)
        return result

    # literals
    def e_number(self, n: Tree[Token]) -> Expr:
        text = str(n.children[0])
        v: float = float(text)
        return lambda _f: v

    def e_string(self, n: Tree[Token]) -> Expr:
        v = _unquote(str(n.children[0]))
        return lambda _f: v

    def e_true(self, _n: Tree[Token]) -> Expr:
        return lambda _f: True

    def e_false(self, _n: Tree[Token]) -> Expr:
        return lambda _f: False

    def e_null(self, _n: Tree[Token]) -> Expr:
        return lambda _f: None

    def e_list(self, n: Tree[Token]) -> Expr:
        items = [self.expr(c) for c in n.children]
        return lambda f: [i(f) for i in items]

    def e_path(self, n: Tree[Token]) -> Expr:
        name = ".".join(str(c) for c in n.children)
        self.names_used.add(name)
        if name == "score":
            return lambda f: f.score
        if name in FIELDS:
            return lambda f: f.fields.get(name)
        if self.known_signals is None or name in self.known_signals:
            return lambda f: f.signals.get(name)
        choices = [*FIELDS, *self.known_signals, "score"]
        close = difflib.get_close_matches(name, choices, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise PolicySyntaxError(f"unknown name '{name}'{hint}", where=_pos(n.meta))

    def e_call(self, n: Tree[Token]) -> Expr:
        fname = str(n.children[0])
        args = [self.expr(c) for c in n.children[1:]]
        if fname not in FUNCTIONS:
            close = difflib.get_close_matches(fname, FUNCTIONS, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise PolicySyntaxError(f"unknown function '{fname}'{hint}", where=_pos(n.meta))
        lo, hi, impl, _ = FUNCTIONS[fname]
        if not lo <= len(args) <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            raise PolicySyntaxError(
                f"{fname}() takes {want} argument(s), got {len(args)}", where=_pos(n.meta)
            )
        if fname == "region":
            # Resolve at compile time so a wrong region name is a compile error.
            try:
                members = list(region_members(_const_str(n.children[1], fname)))
            except KeyError as exc:
                raise PolicySyntaxError(str(exc.args[0]), where=_pos(n.meta)) from None
            return lambda _f: members
        if fname == "signal":
            self.names_used.add(_const_str(n.children[1], fname))
        if fname in _CODE_FUNCTIONS and self.known_codes is not None:
            arg = n.children[1]
            if isinstance(arg, Tree) and arg.data == "string":
                pattern = _unquote(str(arg.children[0]))
                if not self.known_codes.names(pattern):
                    close = self.known_codes.suggest(pattern)
                    hint = f"; did you mean {', '.join(close)}?" if close else ""
                    raise PolicySyntaxError(
                        f"no installed assessor emits a finding '{pattern}', so this can "
                        f"never fire{hint} (`borderline policy codes` lists them)",
                        where=_pos(n.meta),
                    )

        def call(f: Facts) -> Value:
            return impl(f, *(a(f) for a in args))

        return call

    # operators
    def e_or_expr(self, n: Tree[Token]) -> Expr:
        parts = [self.expr(c) for c in n.children]
        return lambda f: any(p(f) for p in parts)

    def e_and_expr(self, n: Tree[Token]) -> Expr:
        parts = [self.expr(c) for c in n.children]
        return lambda f: all(p(f) for p in parts)

    def e_not_(self, n: Tree[Token]) -> Expr:
        inner = self.expr(n.children[0])
        return lambda f: not inner(f)

    def e_neg(self, n: Tree[Token]) -> Expr:
        inner = self.expr(n.children[0])

        def neg(f: Facts) -> Value:
            v = inner(f)
            return -v if _num(v) else None

        return neg

    def e_compare(self, n: Tree[Token]) -> Expr:
        left, op_tok, right = n.children
        a, b, op = self.expr(left), self.expr(right), str(op_tok)
        literal_null = [isinstance(x, Tree) and x.data == "null" for x in (left, right)]
        if any(literal_null):
            if op not in ("==", "!="):
                raise PolicySyntaxError(
                    "null can only be compared with == or !=", where=_pos(n.meta)
                )
            other = b if literal_null[0] else a
            if op == "==":
                return lambda f: other(f) is None
            return lambda f: other(f) is not None
        return lambda f: _compare(op, a(f), b(f))

    def e_arith(self, n: Tree[Token]) -> Expr:
        left, op_tok, right = n.children
        a, b, fn = self.expr(left), self.expr(right), _ARITH[str(op_tok)]

        def arith(f: Facts) -> Value:
            x, y = a(f), b(f)
            if not (_num(x) and _num(y)):
                return (
                    x + y
                    if str(op_tok) == "+" and isinstance(x, str) and isinstance(y, str)
                    else None
                )
            try:
                return fn(x, y)
            except ZeroDivisionError:
                return None

        return arith

    def e_in_(self, n: Tree[Token]) -> Expr:
        a, b = self.expr(n.children[0]), self.expr(n.children[1])

        def contains(f: Facts) -> bool:
            x, coll = a(f), b(f)
            if x is None or coll is None:
                return False
            if isinstance(coll, str):
                return isinstance(x, str) and x in coll
            return isinstance(coll, list) and x in coll

        return contains

    def e_not_in(self, n: Tree[Token]) -> Expr:
        a, b = self.expr(n.children[0]), self.expr(n.children[1])

        def not_contains(f: Facts) -> bool:
            x, coll = a(f), b(f)
            if x is None or coll is None:
                return False
            return isinstance(coll, (list, str)) and x not in coll

        return not_contains


# Functions whose first argument names finding codes.
_CODE_FUNCTIONS = frozenset({"has", "count", "max_score"})


def _unquote(s: str) -> str:
    body = s[1:-1]
    return body.replace('\\"', '"').replace("\\\\", "\\")


def _const_str(node: Tree[Token] | Token, fname: str) -> str:
    if isinstance(node, Tree) and node.data == "string":
        return _unquote(str(node.children[0]))
    raise PolicySyntaxError(
        f"{fname}() needs a string literal", where=_pos(getattr(node, "meta", node))
    )


def _syntax_error(exc: UnexpectedInput, source: str) -> PolicySyntaxError:
    line, col = exc.line, exc.column
    context = exc.get_context(source, span=30).rstrip("\n") if line and line > 0 else ""
    if isinstance(exc, UnexpectedToken):
        tok = exc.token
        if tok.type == "$END":
            msg = "unexpected end of policy"
        elif tok.type == "_NL":
            msg = "statement ends too early (an expression is incomplete)"
        else:
            msg = f"unexpected '{tok}'"
        expected = sorted(x for x in exc.expected if not x.startswith("_"))[:8]
        if expected:
            msg += f"; expected one of: {', '.join(expected)}"
    elif isinstance(exc, UnexpectedCharacters):
        msg = f"unexpected character {source[exc.pos_in_stream or 0]!r}"
    elif isinstance(exc, UnexpectedEOF):
        msg = "unexpected end of policy"
    else:
        msg = str(exc)
    return PolicySyntaxError(msg, where=f"{line}:{col}", context=context)


def compile_policy(
    source: str,
    known_signals: Collection[str] | None = None,
    known_codes: FindingCatalogue | None = None,
) -> CompiledPolicy:
    """Parse and compile; raises ``PolicySyntaxError`` with ``where="line:column"``.

    With ``known_codes``, a ``has``/``count``/``max_score`` naming a code no installed assessor
    emits is an error too (used when a policy is checked or drafted; a policy already active is
    compiled without it so an assessor removed later cannot stop the service).
    """
    if len(source) > 1_000_000:
        raise PolicySyntaxError("policy text larger than 1 MB", where="1:1")
    try:
        tree = _parser().parse(source.replace("\r\n", "\n") + "\n")
    except UnexpectedInput as exc:
        raise _syntax_error(exc, source) from None
    comp = _Compiler(known_signals, known_codes)
    name = "policy"
    thresholds: dict[Outcome, float] = {}
    rules: list[CompiledRule] = []
    seen: set[str] = set()
    lines = source.splitlines()
    for stmt in tree.children:
        if not isinstance(stmt, Tree):
            continue
        where = _pos(stmt.meta)
        if stmt.data == "header":
            name = _unquote(str(stmt.children[0]))
        elif stmt.data == "thresholds":
            for th in stmt.children:
                assert isinstance(th, Tree)
                outcome = Outcome(str(th.children[0]))
                if outcome is Outcome.APPROVE:
                    raise PolicySyntaxError(
                        "approve needs no threshold: it is below review", where=_pos(th.meta)
                    )
                thresholds[outcome] = float(str(th.children[1]))
        elif stmt.data in ("gate", "rule"):
            rname = str(stmt.children[0])
            if rname in seen:
                raise PolicySyntaxError(f"rule name '{rname}' used twice", where=where)
            seen.add(rname)
            rest = stmt.children[1:]
            because = None
            if rest and isinstance(rest[-1], Tree) and rest[-1].data == "because":
                because = _unquote(str(rest[-1].children[0]))
                rest = rest[:-1]
            *effect_nodes, when_node = rest
            effects = _effects(stmt.data, effect_nodes)
            when = comp.expr(when_node)
            line = stmt.meta.line
            text = "\n".join(lines[line - 1 : stmt.meta.end_line]).strip()
            rules.append(CompiledRule(rname, str(stmt.data), effects, when, because, line, text))
    merged = {**DEFAULT_THRESHOLDS, **thresholds}
    ordered = [merged[o] for o in (Outcome.REVIEW, Outcome.HOLD, Outcome.DECLINE)]
    if ordered != sorted(ordered) or not all(0 <= t <= 100 for t in ordered):
        raise PolicySyntaxError(
            "thresholds must be within 0-100 and review <= hold <= decline", where="thresholds"
        )
    return CompiledPolicy(name, merged, rules, comp.names_used, source)


def _effects(kind: str, nodes: Sequence[Tree[Token] | Token]) -> list[Effect]:
    effects: list[Effect] = []
    for node in nodes:
        if isinstance(node, Token):  # a gate's bare OUTCOME
            effects.append(Effect("outcome", Outcome(str(node))))
            continue
        if node.data == "outcome_effect":
            effects.append(Effect("outcome", Outcome(str(node.children[0]))))
        elif kind == "gate":
            raise PolicySyntaxError(
                "a gate sets one outcome and nothing else", where=_pos(node.meta)
            )
        elif node.data == "add_effect":
            effects.append(Effect("add", float(str(node.children[0]))))
        elif node.data == "subtract_effect":
            effects.append(Effect("add", -float(str(node.children[0]))))
        elif node.data == "require_effect":
            effects.append(Effect("require", str(node.children[0])))
    if kind == "gate" and not any(e.kind == "outcome" for e in effects):
        raise PolicySyntaxError("a gate needs an outcome", where="gate")
    return effects
