"""lavaan model syntax: split it into what semopy estimates and the defined parameters (``:=``).

semopy parses ``=~ ~ ~~``, labels (``a*x``) and fixed values (``1*x``); it rejects lavaan's
``name := expression``, which we evaluate ourselves. Features we do not estimate yet are refused
here with a clear error rather than silently misread.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass

from ..errors import ModelSpecError

_IDENT = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
_TERM = re.compile(r"^(?:(?P<mod>[^*]+)\*)?(?P<var>[A-Za-z_.][A-Za-z0-9_.]*)$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_OPERATORS = ("=~", "~~", ":=", "~")  # longest first
_UNSUPPORTED = {
    "<-": "'<-' is not lavaan syntax; write regressions as 'y ~ x' and measurement as 'f =~ item1 + item2'",
    "==": "equality constraints written with '==' are not supported yet; give both parameters the same label",
    "<": "inequality constraints are not supported yet",
    ">": "inequality constraints are not supported yet",
    "|": "ordinal thresholds ('|') are not supported yet; fit the items as continuous",
    "<~": "formative (composite) constructs ('<~') are not supported",
}


@dataclass(frozen=True)
class Definition:
    """A defined parameter ``name := expression`` (e.g. an indirect effect)."""

    name: str
    expression: str
    line: int

    def names(self) -> list[str]:
        tree = ast.parse(self.expression, mode="eval")
        return sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in _FUNCTIONS})


@dataclass(frozen=True)
class ParsedModel:
    """Model syntax split into the part semopy estimates and the defined parameters."""

    text: str
    estimable: str
    definitions: tuple[Definition, ...]
    labels: tuple[str, ...]
    variables: tuple[str, ...]
    latent: tuple[str, ...]


def parse_model(syntax: str) -> ParsedModel:
    """Check lavaan syntax and split off defined parameters.

    Raises
    ------
    ModelSpecError
        Naming the line and what to change.
    """
    if not isinstance(syntax, str) or not syntax.strip():
        raise ModelSpecError("the model syntax is empty. Write lavaan syntax, e.g. 'f =~ x1 + x2 + x3'.")
    statements = _statements(syntax)
    estimable, definitions = [], []
    labels: list[str] = []
    variables: list[str] = []
    latent: list[str] = []
    for line_no, stmt in statements:
        op = next((o for o in _OPERATORS if o in stmt), None)
        if op is None or op != ":=":
            for bad, why in _UNSUPPORTED.items():
                if bad in stmt.replace("=~", "").replace("~~", "").replace(":=", ""):
                    raise ModelSpecError(f"model line {line_no}: {why} (in {stmt!r}).")
        if op is None:
            raise ModelSpecError(f"model line {line_no}: no operator in {stmt!r}. Use '=~' (measured by), "
                                 "'~' (regressed on), '~~' (covaries with) or ':=' (defined parameter).")
        lhs, rhs = (s.strip() for s in stmt.split(op, 1))
        if op == ":=":
            definitions.append(_definition(lhs, rhs, line_no))
            continue
        if not _IDENT.match(lhs):
            raise ModelSpecError(f"model line {line_no}: {lhs!r} is not a variable name.")
        if op == "~" and any(t.strip().split("*")[-1].strip() == "1" for t in rhs.split("+")):
            raise ModelSpecError(f"model line {line_no}: intercepts ('~ 1') are not supported yet; the model is "
                                 "fitted to the covariance matrix.")
        if op == "=~":
            latent.append(lhs)
        if lhs not in variables:
            variables.append(lhs)
        for term in rhs.split("+"):
            term = term.strip()
            m = _TERM.match(term)
            if not m:
                raise ModelSpecError(f"model line {line_no}: cannot read the term {term!r}. Write a variable, "
                                     "optionally with a label or a fixed value: 'a*x1' or '1*x1'.")
            mod, var = m.group("mod"), m.group("var")
            if mod is not None:
                mod = mod.strip()
                if _NUMBER.match(mod):
                    pass
                elif _IDENT.match(mod):
                    labels.append(mod)
                else:
                    raise ModelSpecError(f"model line {line_no}: modifier {mod!r} in {term!r} is not supported; "
                                         "use a label (a*x) or a number (1*x).")
            if var not in variables:
                variables.append(var)
        estimable.append(stmt)
    if not estimable:
        raise ModelSpecError("the model has no '=~', '~' or '~~' statement to estimate.")
    clash = sorted(set(labels) & set(variables))
    if clash:
        raise ModelSpecError(f"label {clash[0]!r} is also a variable name; rename the label.")
    known = set(labels)
    for d in definitions:
        if d.name in variables or d.name in known:
            raise ModelSpecError(f"model line {d.line}: defined parameter {d.name!r} reuses a variable or label name.")
        unknown = [n for n in d.names() if n not in known]
        if unknown:
            raise ModelSpecError(f"model line {d.line}: {d.name} := {d.expression} uses {unknown[0]!r}, which is "
                                 "not a parameter label. Label the path first, e.g. 'y ~ b*x'.")
        known.add(d.name)
    estimable.extend(_auto_covariances(estimable))
    return ParsedModel(text=syntax, estimable="\n".join(estimable), definitions=tuple(definitions),
                       labels=tuple(dict.fromkeys(labels)), variables=tuple(variables), latent=tuple(latent))


def _auto_covariances(statements: list[str]) -> list[str]:
    """lavaan's auto.cov.y: residuals of variables that are dependent but predict nothing covary.

    lavaan's sem() frees these covariances by default (lavNames "lv.y"/"ov.y"); semopy does not, so
    without them the model, its df and every fit measure would differ from lavaan's.
    """
    dependent: list[str] = []
    predictors: set[str] = set()
    written: set[frozenset[str]] = set()
    for stmt in statements:
        if "=~" in stmt:
            continue
        op = "~~" if "~~" in stmt else "~"
        lhs, rhs = (x.strip() for x in stmt.split(op, 1))
        names = [t.split("*")[-1].strip() for t in rhs.split("+")]
        if op == "~~":
            written.update(frozenset((lhs, n)) for n in names)
        else:
            if lhs not in dependent:
                dependent.append(lhs)
            predictors.update(names)
    pure = [v for v in dependent if v not in predictors]
    return [f"{a} ~~ {b}" for i, a in enumerate(pure) for b in pure[i + 1:]
            if frozenset((a, b)) not in written]


def _statements(syntax: str) -> list[tuple[int, str]]:
    """(line number, statement) pairs; comments removed, ';' split, continued lines joined."""
    out: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for no, raw in enumerate(syntax.splitlines(), start=1):
        line = re.split(r"[#!]", raw, maxsplit=1)[0].strip()
        for part in (p.strip() for p in line.split(";")):
            if not part:
                continue
            if pending is not None and (pending[1].endswith(("+", "*")) or part.startswith("+")):
                pending = (pending[0], pending[1] + " " + part)
                continue
            if pending is not None:
                out.append(pending)
            pending = (no, part)
    if pending is not None:
        out.append(pending)
    return out


# ----- defined parameters ---------------------------------------------------------------------
_FUNCTIONS = {"sqrt": math.sqrt, "exp": math.exp, "log": math.log, "abs": abs}
_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load, ast.Call,
            ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)


def _definition(name: str, expression: str, line: int) -> Definition:
    if not _IDENT.match(name):
        raise ModelSpecError(f"model line {line}: {name!r} is not a valid name for a defined parameter.")
    expr = expression.replace("^", "**")
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        raise ModelSpecError(f"model line {line}: cannot read the expression {expression!r}.") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED) or (isinstance(node, ast.Call) and (
                not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS)) or (
                isinstance(node, ast.Constant) and not isinstance(node.value, int | float)):
            raise ModelSpecError(f"model line {line}: {expression!r} may use labels, numbers, + - * / ^ and "
                                 f"{', '.join(_FUNCTIONS)} only.")
    return Definition(name=name, expression=expr, line=line)


def evaluate(definition: Definition, values: dict[str, float]) -> float:
    """Value of a defined parameter given the values of the labels it uses."""
    code = compile(ast.parse(definition.expression, mode="eval"), "<definition>", "eval")
    return float(eval(code, {"__builtins__": {}}, {**_FUNCTIONS, **values}))  # noqa: S307 - AST checked above
