"""lavaan model syntax -> :class:`~.partable.ParTable`, with lavaan's ``sem()``/``cfa()`` default rules.

Written by hand because no Python library reads lavaan syntax with lavaan's semantics (semopy's
reader frees labelled markers, reads ``NA*`` as a label and has no ``fixed.x``). The rules follow
lavaan 0.6 (``lavaanify``, ``lav_partable_flat``, ``lav_partable_vnames``) and are checked against
``lavaanify()`` output frozen in ``tests/reference/``.

Two steps, as lavaan: :func:`parse_syntax` turns text into flat formulas (one per lhs/op/rhs,
modifiers merged), and :func:`lavaanify` applies the default rules (auto.fix.first, auto.fix.single,
auto.var, auto.cov.lv.x, auto.cov.y, fixed.x, int.ov.free / int.lv.free, std.lv, group.equal,
group.partial) and numbers the free parameters. With ordered items (``Options(ordered=...)``) it
adds lavaan's rules for categorical data as ``cfa(..., ordered = ..., estimator = "WLSMV")`` applies
them (thresholds ``|``, scaling factors ``~*~``, delta or theta parameterization, conditional.x);
checked against ``parTable()`` of such fits in ``tests/reference/lavaanify_ordered/``.
"""

from __future__ import annotations

import ast
import functools
import math
import numbers
import re
from dataclasses import dataclass, field

from ..errors import ModelSpecError, ParameterError
from .partable import ParRow, ParTable

_IDENT = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
_INTERACTION = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*:[A-Za-z_.][A-Za-z0-9_.]*$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
# searched in this order: longer operators first so '=~' is not read as '=' and '~'
_OPERATORS = ("=~", "<~", "~*~", "~~", ":=", "==", "|~", "~", "<", ">", "|", "%")
_NOT_SUPPORTED = {
    "<~": "formative (composite) constructs ('<~') are not estimated by covariance-based SEM; fit the model with "
          "PLS-SEM (sr.fit_pls)",
    "|~": "instrumental variables ('|~') are not supported",
    "%": "'%' (group weights) is not supported",
}
# a threshold is named t1, t2, ... tK (lavaan numbers them from the lowest category boundary)
_THRESHOLD = re.compile(r"^t([1-9][0-9]*)$")
# lavaan's group.equal vocabulary ("thresholds" needs ordered items)
EQUALITY_TYPES = ("loadings", "intercepts", "means", "regressions", "residuals", "residual.covariances",
                  "lv.variances", "lv.covariances", "thresholds")
PARAMETERIZATIONS = ("delta", "theta")
FUNCTIONS = {"sqrt": math.sqrt, "exp": math.exp, "log": math.log, "abs": abs}
_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load, ast.Call,
            ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)


@dataclass
class Modifiers:
    """What a term says about its parameter; each a list with one value, or one per group (``c()``)."""

    fixed: list[float] | None = None  # NaN: 'NA*' (free, even a marker)
    label: list[str] | None = None
    start: list[float] | None = None

    def merge(self, other: Modifiers, where: str) -> None:
        for name in ("fixed", "label", "start"):
            new = getattr(other, name)
            if new is None:
                continue
            old = getattr(self, name)
            if old is not None and old != new and not (name == "fixed" and _same_fixed(old, new)):
                raise ModelSpecError(f"{where}: the term is given two different {name} modifiers "
                                     f"({old} and {new}); give it one.")
            setattr(self, name, new)


def _same_fixed(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all((math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b, strict=True))


@dataclass
class Formula:
    """One flat formula of the syntax: ``lhs op rhs`` with its modifiers and source line."""

    lhs: str
    op: str
    rhs: str
    line: int
    modifiers: Modifiers = field(default_factory=Modifiers)


@dataclass(frozen=True)
class Definition:
    """A defined parameter ``name := expression`` or a constraint ``lhs == rhs`` (also ``<``, ``>``)."""

    name: str  # the lhs (for constraints, the lhs expression)
    op: str
    expression: str  # Python-ready (``^`` written as ``**``)
    line: int

    def names(self) -> list[str]:
        names: list[str] = []
        for text in (self.expression, self.name) if self.op != ":=" else (self.expression,):
            tree = ast.parse(text, mode="eval")
            names += [n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in FUNCTIONS]
        return sorted(set(names))


# ----- step 1: text -> flat formulas ---------------------------------------------------------------
def parse_syntax(syntax: str, composites: bool = False) -> tuple[list[Formula], list[Definition]]:
    """Read lavaan syntax into flat formulas and definitions/constraints, in the order written.

    ``composites``: accept ``<~`` (a composite formed by its indicators) and interaction terms
    ``y ~ a:b``, which PLS-SEM estimates (:func:`stickiness_research.pls.fit_pls`) and the
    covariance-based engine does not.

    Raises
    ------
    ModelSpecError
        Naming the model line and what to write instead.
    """
    if not isinstance(syntax, str) or not syntax.strip():
        raise ModelSpecError("the model syntax is empty. Write lavaan syntax, e.g. 'f =~ x1 + x2 + x3'.")
    syntax = syntax.lstrip("\ufeff")  # a byte-order mark from a Windows editor
    formulas: list[Formula] = []
    definitions: list[Definition] = []
    index: dict[tuple[str, str, str], Formula] = {}
    for line_no, stmt in _statements(syntax):
        if "<-" in stmt and "<~" not in stmt:
            raise ModelSpecError(f"model line {line_no}: '<-' is not lavaan syntax; write regressions as "
                                 "'y ~ x' and measurement as 'f =~ item1 + item2'.")
        op = _find_operator(stmt)
        if op is None:
            raise ModelSpecError(f"model line {line_no}: no operator in {stmt!r}. Use '=~' (measured by), "
                                 "'~' (regressed on), '~~' (covaries with), '~ 1' (intercept), '|' (thresholds of an "
                                 "ordered item), ':=' (defined parameter) or '==', '<', '>' (constraints).")
        if op in _NOT_SUPPORTED and not (composites and op == "<~"):
            raise ModelSpecError(f"model line {line_no}: {_NOT_SUPPORTED[op]} (in {stmt!r}).")
        lhs_text, rhs_text = (s.strip() for s in stmt.split(op, 1))
        if op in (":=", "==", "<", ">"):
            definitions.append(_definition(lhs_text, op, rhs_text, line_no))
            continue
        if not lhs_text or not rhs_text:
            raise ModelSpecError(f"model line {line_no}: {stmt!r} needs a variable on both sides of {op!r}.")
        lhs_names = [t.strip() for t in _split_top(lhs_text, "+")]
        for name in lhs_names:
            if not _IDENT.match(name):
                raise ModelSpecError(f"model line {line_no}: {name!r} is not a variable name.")
        for term in _split_top(rhs_text, "+"):
            term = term.strip()
            if not term:
                raise ModelSpecError(f"model line {line_no}: an empty term in {stmt!r} (a stray '+').")
            mods, var = _term(term, line_no)
            this_op = op
            if var == "1" or (var.replace(".", "", 1).isdigit() and op == "~"):
                if op != "~" or var != "1":
                    raise ModelSpecError(f"model line {line_no}: {term!r}: only '~ 1' (an intercept) may "
                                         "have a number as its variable.")
                this_op, var = "~1", ""
            elif op == "|" and not _THRESHOLD.match(var):
                raise ModelSpecError(f"model line {line_no}: {var!r} in {stmt!r} is not a threshold name. An ordered "
                                     "item's thresholds are t1, t2, ..., tK (K = its number of categories - 1), "
                                     "e.g. 'y1 | t1 + t2 + t3 + t4' for a 5-point item; modifiers go before the "
                                     "name, e.g. 'y1 | a*t1 + 0*t2'.")
            elif composites and op == "~" and _INTERACTION.match(var):
                pass  # PLS-SEM: an interaction term 'iv:moderator' (lavaan's notation for a product)
            elif not _IDENT.match(var):
                raise ModelSpecError(f"model line {line_no}: cannot read the term {term!r}. Write a variable, "
                                     "optionally with modifiers: 'a*x1' (label), '1*x1' (fixed), 'NA*x1' (free), "
                                     "'start(0.5)*x1', 'c(a1, a2)*x1' (per group).")
            for lhs in lhs_names:
                if this_op == "~*~" and lhs != var:
                    raise ModelSpecError(f"model line {line_no}: a scaling factor is written with the same ordered "
                                         f"item on both sides, e.g. '{lhs} ~*~ 1*{lhs}'; got {lhs} ~*~ {var}.")
                if this_op == "=~" and lhs == var:
                    raise ModelSpecError(f"model line {line_no}: {lhs} cannot measure itself.")
                key = (lhs, this_op, var)
                if this_op == "~~":  # 'a ~~ b' and 'b ~~ a' are the same parameter
                    other = (var, this_op, lhs)
                    key = other if other in index else key
                if key in index:
                    if index[key].line != line_no:  # lavaan merges repeats within a formula only
                        raise ModelSpecError(f"model line {line_no}: {lhs} {this_op} {var} is already specified on "
                                             f"line {index[key].line}; give each parameter once (modifiers can "
                                             "be combined there, e.g. 'a*x1 + start(.5)*x1').")
                    index[key].modifiers.merge(mods, f"model line {line_no}")
                    continue
                f = Formula(key[0], this_op, key[2], line_no, Modifiers(mods.fixed, mods.label, mods.start))
                index[key] = f
                formulas.append(f)
    if not formulas:
        raise ModelSpecError("the model has no '=~', '~' or '~~' statement to estimate.")
    return formulas, definitions


def _statements(syntax: str) -> list[tuple[int, str]]:
    """(line, statement) pairs: comments dropped, ';' split, formulas continued over lines joined.

    A line continues the previous statement when that statement ends in an operator, '+' or '*',
    when the line starts with '+' or '*', or when the line has no operator of its own (lavaan).
    """
    out: list[tuple[int, str]] = []
    for no, raw in enumerate(syntax.splitlines(), start=1):
        line = _strip_comment(raw).strip()
        for part in (p.strip() for p in _split_top(line, ";")):
            if not part:
                continue
            if out and (out[-1][1].endswith(("+", "*", "=~", "~", ",", "(")) or part.startswith(("+", "*"))
                        or _find_operator(part) is None):
                out[-1] = (out[-1][0], out[-1][1] + " " + part)
                continue
            out.append((no, part))
    return out


def _strip_comment(line: str) -> str:
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "#!":
            return line[:i]
    return line


def _top_level(text: str):
    """(index, character) of the characters outside parentheses and quotes."""
    depth, quote = 0, None
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            yield i, ch


def _find_operator(stmt: str) -> str | None:
    """The statement's operator: the first one outside parentheses and quotes (longest on ties)."""
    for i, _ in _top_level(stmt):
        for op in _OPERATORS:
            if stmt.startswith(op, i):
                return op
    return None


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside parentheses and quotes."""
    cuts = [i for i, ch in _top_level(text) if ch == sep]
    bounds = [-1, *cuts, len(text)]
    return [text[a + 1:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def _term(term: str, line: int) -> tuple[Modifiers, str]:
    """Modifiers and variable of one term, e.g. ``start(.5)*a*x1`` or ``0.5?x1`` (a start value)."""
    if "?" in term and "(" not in term:  # lavaan's 'value?x' sets a starting value
        value, _, var = term.partition("?")
        return Modifiers(start=[_number(value.strip(), term, line)]), var.strip()
    pieces = [p.strip() for p in _split_top(term, "*")]
    var = pieces[-1]
    mods = Modifiers()
    for piece in pieces[:-1]:
        mods.merge(_modifier(piece, term, line), f"model line {line}")
    if mods.label is not None and mods.fixed is not None and not all(math.isnan(v) for v in mods.fixed):
        # lavaan 0.6 keeps one modifier of a term (the label) and drops the value: the path is free there
        value = next(v for v in mods.fixed if not math.isnan(v))
        raise ModelSpecError(
            f"model line {line}: {term!r} both fixes its parameter ({value:g}) and labels it ({mods.label[0]}); "
            f"lavaan 0.6 keeps only the label and leaves the parameter free, so the two would fit different models. "
            f"To fix a labelled parameter write '{mods.label[0]}*{var}' and '{mods.label[0]} == {value:g}'; to "
            "label a free one, drop the number.")
    return mods, var


def _modifier(piece: str, term: str, line: int) -> Modifiers:
    where = f"model line {line}: modifier {piece!r} in {term!r}"
    call = re.match(r"^([A-Za-z_.]+)\s*\((.*)\)$", piece, re.S)
    if call:
        fn, args = call.group(1), call.group(2)
        if fn == "c":
            values = [a.strip() for a in _split_top(args, ",")]
            if all(_NUMBER.match(v) or v == "NA" for v in values):
                return Modifiers(fixed=[math.nan if v == "NA" else float(v) for v in values])
            if "NA" in values and all(_is_label(v) for v in values):
                # lavaan 0.6 drops the NA and gives the remaining label to every group (with a warning), which ties
                # the groups; read as a label "NA" it would tie every parameter so marked: refused either way
                raise ModelSpecError(f"{where}: NA among labels; lavaan 0.6 gives the other label to every group "
                                     "there, holding the groups equal. Write one label per group (c(a1, a2): free in "
                                     "each group) or the same one twice (c(a, a): equal across groups).")
            if all(_is_label(v) for v in values):
                return Modifiers(label=[_unquote(v) for v in values])
            raise ModelSpecError(f"{where}: c() must hold numbers (fixed values, NA for free) or labels, "
                                 "one per group, not both.")
        if fn == "start":
            inner = args.strip()
            values = _split_top(inner[2:-1], ",") if inner.startswith("c(") else [inner]
            return Modifiers(start=[_number(v.strip(), term, line) for v in values])
        if fn in ("equal", "label"):
            values = [a.strip() for a in _split_top(args, ",")]
            if len(values) == 1 and values[0].startswith("c("):
                values = [a.strip() for a in _split_top(values[0][2:-1], ",")]
            if all(_is_label(v) and _IDENT.match(_unquote(v)) for v in values):
                return Modifiers(label=[_unquote(v) for v in values])
            raise ModelSpecError(f"{where}: {fn}() takes a parameter label, e.g. {fn}(\"a\").")
        if fn in ("lower", "upper"):
            raise ModelSpecError(f"{where}: bounds are not supported; write a constraint instead, e.g. 'a > 0'.")
        raise ModelSpecError(f"{where}: unknown modifier {fn}(); use start(), equal(), label() or c().")
    if piece == "NA":
        return Modifiers(fixed=[math.nan])
    if _NUMBER.match(piece):
        return Modifiers(fixed=[float(piece)])
    if _is_label(piece) and _IDENT.match(_unquote(piece)):
        return Modifiers(label=[_unquote(piece)])
    raise ModelSpecError(f"{where} is not a label, a number, NA, start(), equal() or c().")


def _is_label(text: str) -> bool:
    return bool(_IDENT.match(text)) or (len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'")


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'" else text


def _number(text: str, term: str, line: int) -> float:
    if not _NUMBER.match(text):
        raise ModelSpecError(f"model line {line}: {text!r} in {term!r} must be a number.")
    return float(text)


def _definition(lhs: str, op: str, rhs: str, line: int) -> Definition:
    if op == ":=" and not _IDENT.match(lhs):
        raise ModelSpecError(f"model line {line}: {lhs!r} is not a valid name for a defined parameter.")
    for text in (rhs,) if op == ":=" else (lhs, rhs):
        _check_expression(text, line)
    return Definition(name=lhs.replace("^", "**") if op != ":=" else lhs, op=op,
                      expression=rhs.replace("^", "**"), line=line)


def _check_expression(text: str, line: int) -> None:
    try:
        tree = ast.parse(text.replace("^", "**"), mode="eval")
    except SyntaxError:
        raise ModelSpecError(f"model line {line}: cannot read the expression {text!r}.") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED) or (isinstance(node, ast.Call) and (
                not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS)) or (
                isinstance(node, ast.Constant) and not isinstance(node.value, int | float)):
            raise ModelSpecError(f"model line {line}: {text!r} may use labels, numbers, + - * / ^ and "
                                 f"{', '.join(FUNCTIONS)} only.")


@functools.lru_cache(maxsize=1024)
def _compiled(expression: str):
    return compile(ast.parse(expression, mode="eval"), "<definition>", "eval")


def evaluate(expression: str, values: dict, functions: dict | None = None):
    """Value of an (AST-checked) expression given label values (floats or numpy arrays); each
    expression is compiled once."""
    return eval(_compiled(expression), {"__builtins__": {}}, {**(functions or FUNCTIONS), **values})  # noqa: S307


# ----- variable names, as lavaan's lav_partable_vnames -------------------------------------------
@dataclass(frozen=True)
class VariableNames:
    lv: tuple[str, ...]
    ov: tuple[str, ...]
    ov_x: tuple[str, ...]  # exogenous observed covariates (before the fixed.x check below)
    lv_x: tuple[str, ...]
    ov_y: tuple[str, ...]
    lv_y: tuple[str, ...]
    ov_ind: tuple[str, ...]


def variable_names(formulas: list[Formula]) -> VariableNames:
    def uniq(seq):
        return tuple(dict.fromkeys(seq))

    lv = uniq(f.lhs for f in formulas if f.op == "=~")
    eqs_y = uniq(f.lhs for f in formulas if f.op == "~")
    eqs_x = uniq(f.rhs for f in formulas if f.op == "~")
    v_ind = uniq(f.rhs for f in formulas if f.op == "=~")
    ov_ind = tuple(v for v in v_ind if v not in lv)
    ov_y_all = tuple(v for v in eqs_y if v not in lv and v not in ov_ind)
    ov_x = tuple(v for v in eqs_x if v not in lv and v not in ov_ind and v not in ov_y_all)
    base = ov_ind + ov_y_all + ov_x
    extra = [f.lhs for f in formulas if f.op == "~~" and f.lhs not in lv]
    extra += [f.rhs for f in formulas if f.op == "~~" and f.rhs not in lv]
    # intercepts and thresholds, in the order written (lavaan's ov.int)
    extra += [f.lhs for f in formulas if f.op in ("~1", "|") and f.lhs not in lv]
    ov = base + tuple(v for v in uniq(extra) if v not in base)
    lv_x = tuple(v for v in lv if v not in v_ind and v not in eqs_y)
    ov_y = tuple(v for v in ov if v in eqs_y and v not in v_ind and v not in eqs_x and v not in lv)
    lv_y = tuple(v for v in lv if v in eqs_y and v not in v_ind and v not in eqs_x)
    return VariableNames(lv=lv, ov=ov, ov_x=ov_x, lv_x=lv_x, ov_y=ov_y, lv_y=lv_y, ov_ind=ov_ind)


# ----- step 2: flat formulas + lavaan's rules -> ParTable ----------------------------------------
@dataclass(frozen=True)
class Options:
    """lavaan's rule switches; defaults are those of ``sem()`` and ``cfa()``.

    The ordinal switches follow ``cfa(..., ordered = ..., estimator = "WLSMV")``:

    - ``ordered``: the ordered items and how many thresholds each has (its number of categories
      minus 1, which lavaan takes from the data), as a mapping ``{"y1": 4, "b1": 1}`` or
      ``(name, K)`` pairs; stored as a tuple of pairs. Items the model does not use, and observed
      exogenous covariates, are ignored (lavaan treats an ordered covariate as numeric).
      With an ordered item in the model, ``meanstructure`` is on and ``conditional_x`` defaults to
      True, and a ``group_equal`` with "thresholds" also gets "intercepts" (and the reverse), as
      lavaan's options for categorical data do.
    - ``parameterization``: "delta" (lavaan's default: scaling factors ``~*~`` fixed at 1, freed in
      later groups under equal thresholds) or "theta" (residual variances of ordered items
      fixed at 1, freed in later groups under equal thresholds).
    - ``conditional_x``: lavaan's ``conditional.x``; None means lavaan's default for WLSMV
      (True with ordered items, else False); off, as in lavaan, when the model has no observed
      covariate. It marks regressions on observed covariates ``exo = 1``.
    """

    meanstructure: bool = False
    int_ov_free: bool = True
    int_lv_free: bool = False
    std_lv: bool = False
    auto_fix_first: bool = True
    auto_fix_single: bool = True
    auto_var: bool = True
    auto_cov_lv_x: bool = True
    auto_cov_y: bool = True
    fixed_x: bool = True
    orthogonal: bool = False
    ngroups: int = 1
    group_equal: tuple[str, ...] = ()
    group_partial: tuple[str, ...] = ()
    ordered: tuple[tuple[str, int], ...] = ()
    parameterization: str = "delta"
    conditional_x: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "ordered", _ordered_option(self.ordered))
        if self.parameterization not in PARAMETERIZATIONS:
            raise ParameterError("parameterization", "Options", "'delta' or 'theta'", self.parameterization)
        if self.conditional_x is not None and not isinstance(self.conditional_x, bool):
            raise ParameterError("conditional_x", "Options", "True, False or None (lavaan's default)",
                                 self.conditional_x)

    @classmethod
    def growth(cls, **kw) -> Options:
        """lavaan's ``growth()``: observed intercepts fixed at 0, latent means free, means modelled."""
        return cls(**{"meanstructure": True, "int_ov_free": False, "int_lv_free": True, **kw})


def _ordered_option(value) -> tuple[tuple[str, int], ...]:
    """``Options.ordered`` as (item, number of thresholds) pairs, in the order given."""
    expected = ("a mapping of each ordered item to its number of thresholds (categories - 1), "
                "e.g. {'y1': 4} for a 5-point item")
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, (tuple, list)) and all(isinstance(p, (tuple, list)) and len(p) == 2 for p in value):
        pairs = [tuple(p) for p in value]
    else:
        raise ParameterError("ordered", "Options", expected, value)
    out: dict[str, int] = {}
    for name, k in pairs:
        if not isinstance(name, str) or not _IDENT.match(name):
            raise ParameterError("ordered", "Options", expected + "; keys are variable names", value)
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
            raise ParameterError("ordered", "Options", expected + f"; {name!r} needs an int >= 1 (an item with one "
                                 "category has no threshold: leave it out of the model)", value)
        if name in out and out[name] != k:
            raise ParameterError("ordered", "Options", expected + f"; {name!r} is given twice", value)
        out[name] = int(k)
    return tuple(out.items())


def lavaanify(syntax: str, options: Options | None = None) -> ParTable:
    """Parse lavaan syntax and apply lavaan's default rules: the model's parameter table.

    Parameters
    ----------
    syntax : str
        lavaan model syntax: ``=~ ~ ~~ ~1 := == < >``, thresholds ``y1 | t1 + t2`` and scaling
        factors ``y1 ~*~ y1`` of ordered items; modifiers ``1*x`` (fixed), ``a*x`` (label),
        ``NA*x`` (free), ``start(.5)*x``, ``equal("a")*x``, ``c(a1, a2)*x`` (one per group);
        comments (``#``, ``!``), ``;`` and formulas continued over lines.
    options : Options, optional
        Rule switches (``sem()`` defaults). ``Options(ordered={"y1": 4, ...})`` declares ordered
        items with their numbers of thresholds and applies lavaan's rules for them, as
        ``cfa(..., ordered = ..., estimator = "WLSMV")``: rows ``y1 | t1`` ... ``y1 | t4`` (free),
        the item's intercept fixed at 0, its residual variance and scaling factor ``y1 ~*~ y1``
        fixed at 1 (delta; theta frees the variance instead of the scaling factor in later groups
        under equal thresholds), means modelled, regressions on observed covariates ``exo = 1``
        (conditional.x).

    Returns
    -------
    ParTable

    Raises
    ------
    ModelSpecError
        Unreadable syntax, modifiers of the wrong length, labels that clash with variables,
        undefined labels in ``:=`` or constraints, unknown ``group_equal`` types; a threshold not
        named t1..tK, beyond the item's K thresholds, or on an item not declared ordered.

    Notes
    -----
    The rules lavaan's ``sem()`` applies (``auto = TRUE``), each switch a field of :class:`Options`: the
    first loading of each factor fixed at 1 (``auto.fix.first``; ``std_lv`` frees it and fixes the factor
    variances at 1 instead), free residual variances of the observed and latent variables
    (``auto.var``), free covariances among exogenous latent variables (``auto.cov.lv.x``) and among
    dependent variables (``auto.cov.y``), the variances and covariances of observed exogenous covariates
    fixed at their sample values (``fixed.x``, ``exo = 1``), free observed intercepts and latent means fixed
    at 0 with a mean structure (``int.ov.free``, ``int.lv.free``), and ``group.equal`` / ``group.partial``
    across groups through shared labels. Free parameters are then numbered in table order; rows
    sharing a label are tied by equality rows.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of Statistical
    Software*, 48(2), 1-36.
    R: ``lavaan::lavaanify(model, auto = TRUE, ...)`` on 200 random models with random options
    (tests/test_partable_lavaanify.py; tests/reference/lavaanify_sample.R), and ``parTable()`` of
    ``cfa(..., ordered = , estimator = "WLSMV")`` fits for ordered items (tests/test_partable_ordered.py;
    tests/reference/lavaanify_ordered.R), row by row.

    Examples
    --------
    >>> from stickiness_research.sem.syntax import lavaanify
    >>> pt = lavaanify("m ~ a*x1 + x2\\ny ~ b*m + x1\\nind := a*b")  # In R: lavaanify(model, auto = TRUE, fixed.x = TRUE)
    >>> [(r.lhs, r.op, r.rhs, r.free, r.exo) for r in pt if r.op == "~~"]
    [('m', '~~', 'm', 5, 0), ('y', '~~', 'y', 6, 0), ('x1', '~~', 'x1', 0, 1), ('x1', '~~', 'x2', 0, 1), ('x2', '~~', 'x2', 0, 1)]

    Ordered items (a binary b1 and three 5-point items):

    >>> pt = lavaanify("f =~ b1 + y1 + y2 + y3", Options(ordered={"b1": 1, "y1": 4, "y2": 4, "y3": 4}))
    >>> [r.formula() for r in pt.thresholds()][:3]  # In R: parTable(cfa(model, data, ordered = TRUE, estimator = "WLSMV"))
    ['b1 | t1', 'y1 | t1', 'y1 | t2']
    >>> [(r.formula(), r.free, r.ustart) for r in pt if r.lhs == "b1" and r.op in ("~~", "~*~", "~1")]
    [('b1 ~~ b1', 0, 1.0), ('b1 ~*~ b1', 0, 1.0), ('b1 ~1', 0, 0.0)]
    """
    if isinstance(syntax, str):  # a ParTable is frozen and a pure function of (syntax, options): share it
        return _lavaanify_cached(syntax, options or Options())
    return _lavaanify(syntax, options or Options())


@functools.lru_cache(maxsize=256)
def _lavaanify_cached(syntax: str, o: Options) -> ParTable:
    return _lavaanify(syntax, o)


def _lavaanify(syntax: str, o: Options) -> ParTable:
    unknown = [t for t in o.group_equal if t not in EQUALITY_TYPES]
    if unknown:
        raise ModelSpecError(f"group_equal {unknown[0]!r} is not a lavaan group.equal type; use "
                             f"{', '.join(EQUALITY_TYPES)}.")
    formulas, definitions = parse_syntax(syntax)
    names = variable_names(formulas)
    # fixed.x: covariates the user gives a variance, covariance or intercept are random (lavaan warns)
    mentioned = {f.lhs for f in formulas if f.op in ("~~", "~1")} | {f.rhs for f in formulas if f.op == "~~"}
    ov_x = tuple(v for v in names.ov_x if v not in mentioned)
    ov_nox = tuple(v for v in names.ov if v not in ov_x)
    nthresholds = dict(o.ordered)
    ordered = _ordered_items(formulas, names, ov_x, nthresholds)
    # lavaan's options for categorical data: means modelled, conditional.x, thresholds ~ intercepts
    # (lavaan switches conditional.x off when the model has no observed covariate)
    conditional_x = (bool(ordered) if o.conditional_x is None else o.conditional_x) and bool(ov_x)
    if conditional_x and not o.fixed_x:
        raise ModelSpecError("fixed_x=False cannot be combined with conditional_x (lavaan refuses it too); with "
                             "ordered items use fixed_x=True or conditional_x=False.")
    group_equal = tuple(o.group_equal)
    if ordered and ("thresholds" in group_equal or "intercepts" in group_equal):
        group_equal += tuple(t for t in ("thresholds", "intercepts") if t not in group_equal)
    elif "thresholds" in group_equal:
        raise ModelSpecError("group_equal 'thresholds' is for ordered items, and the model has none; declare them "
                             "with Options(ordered={item: number of thresholds}) or leave 'thresholds' out.")
    meanstructure = o.meanstructure or bool(ordered) or conditional_x or any(f.op == "~1" for f in formulas)

    # defaults, in lavaan's order (lav_partable_flat)
    defaults: list[tuple[str, str, str]] = [(v, "|", f"t{k}") for v in ordered for k in range(1, nthresholds[v] + 1)]
    defaults += [(v, "~~", v) for v in ov_nox + names.lv]
    if o.auto_cov_lv_x:
        lvx = names.lv_x
        defaults += [(lvx[i], "~~", lvx[j]) for i in range(len(lvx)) for j in range(i + 1, len(lvx))]
    if o.auto_cov_y:
        ys = names.lv_y + names.ov_y
        defaults += [(ys[i], "~~", ys[j]) for i in range(len(ys)) for j in range(i + 1, len(ys))]
    defaults += [(ov_x[j], "~~", ov_x[i]) for j in range(len(ov_x)) for i in range(j, len(ov_x))]
    defaults += [(v, "~*~", v) for v in ordered]
    if meanstructure:
        defaults += [(v, "~1", "") for v in names.ov + names.lv]
    user_keys = {(f.lhs, f.op, f.rhs) for f in formulas} | {(f.rhs, f.op, f.lhs) for f in formulas if f.op == "~~"}
    defaults = [d for d in defaults if d not in user_keys]

    # a covariance is written with the variable that comes first (latent, then observed order) on the left
    order = {v: k for k, v in enumerate(names.lv + names.ov)}
    for f in formulas:
        if f.op == "~~" and order.get(f.lhs, 0) > order.get(f.rhs, 0):
            f.lhs, f.rhs = f.rhs, f.lhs
    # one group's rows before modifiers: (lhs, op, rhs, user, free, ustart, exo, formula)
    base: list[dict] = [dict(lhs=f.lhs, op=f.op, rhs=f.rhs, user=1, free=True, ustart=math.nan, exo=0, f=f)
                        for f in formulas]
    base += [dict(lhs=a, op=op, rhs=b, user=0, free=True, ustart=math.nan, exo=0, f=None) for a, op, b in defaults]

    def rows_where(pred):
        return [r for r in base if pred(r)]

    if o.std_lv:
        for r in rows_where(lambda r: r["op"] == "~~" and r["lhs"] == r["rhs"] and r["lhs"] in names.lv):
            r["free"], r["ustart"] = False, 1.0
    if o.auto_fix_first and not o.std_lv:
        seen: set[str] = set()
        for r in rows_where(lambda r: r["op"] == "=~"):
            if r["lhs"] not in seen:
                seen.add(r["lhs"])
                r["free"], r["ustart"] = False, 1.0
    if o.auto_var and o.auto_fix_single:
        counts: dict[str, int] = {}
        indicators: dict[str, int] = {}
        for r in rows_where(lambda r: r["op"] == "=~"):
            counts[r["lhs"]] = counts.get(r["lhs"], 0) + 1
            indicators[r["rhs"]] = indicators.get(r["rhs"], 0) + 1
        single = {r["rhs"] for r in rows_where(lambda r: r["op"] == "=~")
                  if counts[r["lhs"]] == 1 and indicators[r["rhs"]] == 1}
        for r in rows_where(lambda r: r["op"] == "~~" and r["lhs"] == r["rhs"] and r["lhs"] in single
                            and r["user"] == 0):
            r["free"], r["ustart"] = False, 0.0
    if o.orthogonal:
        for r in rows_where(lambda r: r["op"] == "~~" and r["lhs"] != r["rhs"] and r["lhs"] in names.lv
                            and r["rhs"] in names.lv and r["user"] == 0):
            r["free"], r["ustart"] = False, 0.0
    if meanstructure:
        for r in rows_where(lambda r: r["op"] == "~1" and r["user"] == 0):
            is_lv = r["lhs"] in names.lv
            # an ordered item's intercept is 0: its thresholds carry its location
            if (is_lv and not o.int_lv_free) or (not is_lv and (not o.int_ov_free or r["lhs"] in ordered)):
                r["free"], r["ustart"] = False, 0.0
    if ov_x and o.fixed_x:
        for r in rows_where(lambda r: r["user"] == 0 and ((r["op"] == "~~" and r["lhs"] in ov_x and r["rhs"] in ov_x)
                                                         or (r["op"] == "~1" and r["lhs"] in ov_x))):
            r["free"], r["ustart"], r["exo"] = False, math.nan, 1
    if ov_x and conditional_x:  # the model is conditional on the covariates: their slopes are marked exo
        for r in rows_where(lambda r: r["op"] == "~" and r["rhs"] in ov_x):
            r["exo"] = 1
    # ordered items: residual variances (theta) and scaling factors (delta) fixed at 1 by default
    for r in rows_where(lambda r: r["user"] == 0 and r["lhs"] in ordered and r["lhs"] == r["rhs"]
                        and r["op"] in ("~~", "~*~")):
        r["free"], r["ustart"] = False, 1.0

    # replicate per group, apply the rules for later groups, then the user's modifiers (a value per
    # group for c())
    groups = max(1, int(o.ngroups))
    rows: list[dict] = []
    for g in range(1, groups + 1):
        block = [{**r, "group": g, "label": "", "start": math.nan} for r in base]
        if g > 1:
            _later_group_rules(block, o, group_equal, meanstructure, names.lv, ordered)
        rows += block
        for row in block:
            f = row["f"]
            if f is None:
                continue
            m = f.modifiers
            if m.fixed is not None:
                value = _per_group(m.fixed, g, groups, f, "fixed values")
                if math.isnan(value):
                    row["free"], row["ustart"] = True, math.nan
                else:
                    row["free"], row["ustart"] = False, value
            if m.label is not None:
                row["label"] = _per_group(m.label, g, groups, f, "labels")
            if m.start is not None:  # as lavaan: on a fixed row (a marker) start() sets the fixed value
                row["ustart"] = _per_group(m.start, g, groups, f, "start values")

    _check_labels(rows, names, definitions)
    # lavaan's labels (lav_partable_labels): every row has one, "lhs op rhs" (".g2" etc. in later groups);
    # group.equal gives a listed type's rows the first group's label; user labels win. Rows that share
    # a label are one parameter - and all fixed if any of them is fixed.
    keys = [f"{r['lhs']}{r['op']}{r['rhs']}" for r in rows]
    labels = [k + (f".g{r['group']}" if r["group"] > 1 else "") for k, r in zip(keys, rows, strict=True)]
    if groups > 1 and group_equal:
        partial = {_normalise_formula(p) for p in o.group_partial}
        first_of_key: dict[str, int] = {}
        for k, r in enumerate(rows):
            if _equality_type(r, names, ov_x) not in group_equal or \
                    _formula_key(r["lhs"], r["op"], r["rhs"]) in partial:
                continue
            first = first_of_key.setdefault(keys[k], k)
            labels[k] = labels[first]
    for k, r in enumerate(rows):
        if r["label"]:
            labels[k] = r["label"]
    members: dict[str, list[int]] = {}
    for k, lab in enumerate(labels):
        members.setdefault(lab, []).append(k)
    for idx in members.values():
        if len(idx) < 2:
            continue
        fixed = [k for k in idx if not rows[k]["free"]]
        if fixed:
            for k in idx:
                rows[k]["free"], rows[k]["ustart"] = False, rows[fixed[0]]["ustart"]
        else:
            for k in idx:  # lavaan shows a group.equal label as the first row's plabel
                rows[k]["label"] = rows[k]["label"] or f".p{idx[0] + 1}."
    repeated = list(dict.fromkeys(lab for k, lab in enumerate(labels) if k != members[lab][0]))

    out: list[ParRow] = []
    free_no = 0
    for k, r in enumerate(rows, start=1):
        free = 0
        if r["free"]:
            free_no += 1
            free = free_no
        out.append(ParRow(id=k, lhs=r["lhs"], op=r["op"], rhs=r["rhs"], user=r["user"], block=r["group"],
                          group=r["group"], free=free, ustart=r["ustart"], exo=r["exo"], label=r["label"],
                          plabel=f".p{k}.", line=r["f"].line if r["f"] is not None else 0))
    for d in definitions:
        out.append(ParRow(id=len(out) + 1, lhs=re.sub(r"\s+", "", d.name.replace("**", "^")), op=d.op,
                          rhs=re.sub(r"\s+", "", d.expression.replace("**", "^")),
                          user=1, block=0, group=0, free=0, label=d.name if d.op == ":=" else "",
                          line=d.line))
    # equality constraints implied by shared labels (lavaan adds them as '==' rows with user = 2)
    # labels in the order of their first repeat, each first row equal to each later one
    for lab in repeated:
        idx = members[lab]
        if not rows[idx[0]]["free"]:
            continue
        for k in idx[1:]:
            out.append(ParRow(id=len(out) + 1, lhs=out[idx[0]].plabel, op="==", rhs=out[k].plabel, user=2,
                              block=0, group=0, free=0))
    return ParTable(rows=tuple(out), ov_names=names.ov, lv_names=names.lv, ov_x=ov_x, fixed_x=o.fixed_x,
                    ngroups=groups,
                    meanstructure=meanstructure, options=o.__dict__.copy(), text=syntax, ov_ord=ordered,
                    parameterization=o.parameterization, conditional_x=conditional_x)


def _later_group_rules(block: list[dict], o: Options, group_equal: tuple[str, ...], meanstructure: bool,
                       lv: tuple[str, ...], ordered: tuple[str, ...]) -> None:
    """lavaan's defaults for a group after the first (lav_partable_flat), before the user's modifiers."""
    if meanstructure and not o.int_lv_free and ("intercepts" in group_equal or "thresholds" in group_equal) \
            and "means" not in group_equal:  # equal intercepts/thresholds identify the latent means
        for row in block:
            if row["op"] == "~1" and row["lhs"] in lv and row["user"] == 0:
                row["free"], row["ustart"] = True, math.nan
    if o.std_lv and "loadings" in group_equal and "lv.variances" not in group_equal:
        for row in block:
            if row["op"] == "~~" and row["lhs"] == row["rhs"] and row["lhs"] in lv and row["user"] == 0:
                row["free"], row["ustart"] = True, math.nan
    if "thresholds" in group_equal and any(row["op"] == "~*~" for row in block):
        # equal thresholds identify the later groups' scales: delta frees the scaling factors,
        # theta the ordered items' residual variances (user-written rows too; modifiers come after)
        for row in block:
            if (o.parameterization == "delta" and row["op"] == "~*~") or (
                    o.parameterization == "theta" and row["op"] == "~~" and row["lhs"] == row["rhs"]
                    and row["lhs"] in ordered):
                row["free"], row["ustart"] = True, math.nan


def _ordered_items(formulas: list[Formula], names: VariableNames, ov_x: tuple[str, ...],
                   nthresholds: dict[str, int]) -> tuple[str, ...]:
    """The model's ordered items in lavaan's order (that of the observed variables); checks the
    user's ``|`` and ``~*~`` formulas against them."""
    for f in formulas:
        if f.op not in ("|", "~*~"):
            continue
        written = f"{f.lhs} {f.op} {f.rhs}"
        if f.lhs in names.lv:
            raise ModelSpecError(f"model line {f.line}: {written}: {f.lhs!r} is a latent variable; thresholds and "
                                 "scaling factors belong to ordered observed items.")
        if f.lhs in ov_x:
            raise ModelSpecError(f"model line {f.line}: {written}: {f.lhs!r} is an exogenous covariate (only a "
                                 "predictor), which lavaan treats as numeric; thresholds belong to ordered items "
                                 "that are indicators or outcomes.")
        if f.lhs not in nthresholds:
            what = "thresholds ('|')" if f.op == "|" else "scaling factors ('~*~')"
            raise ModelSpecError(
                f"model line {f.line}: {written}: {what} are for ordinal items, and {f.lhs!r} is not declared "
                f"ordered. With lavaanify, declare it and its number of thresholds (categories - 1): "
                f"Options(ordered={{{f.lhs!r}: 4}}) for a 5-point item; with fit_sem, pass ordered=[{f.lhs!r}, ...] "
                "(estimated by WLSMV), or remove this line to fit the item as continuous.")
        if f.op == "|" and int(f.rhs[1:]) > nthresholds[f.lhs]:
            k = nthresholds[f.lhs]
            raise ModelSpecError(f"model line {f.line}: {written}: {f.lhs!r} has {k} threshold(s) ({k + 1} "
                                 f"categories, as given in Options(ordered)), so its thresholds are "
                                 f"{'t1' if k == 1 else f't1..t{k}'}.")
    return tuple(v for v in names.ov if v in nthresholds and v not in ov_x)


def _per_group(values: list, g: int, groups: int, f: Formula, what: str):
    if len(values) == 1:
        return values[0]
    if len(values) != groups:
        raise ModelSpecError(f"model line {f.line}: {f.lhs} {f.op} {f.rhs} has {len(values)} {what} in c(), but "
                             f"the model has {groups} group(s); give one per group.")
    return values[g - 1]


def _formula_key(lhs: str, op: str, rhs: str) -> str:
    if op == "~1":
        return f"{lhs}~1"
    if op == "~~" and rhs < lhs:
        lhs, rhs = rhs, lhs
    return f"{lhs}{op}{rhs}"


def _normalise_formula(text: str) -> str:
    compact = re.sub(r"\s+", "", text)
    op = _find_operator(compact)
    if op is None:
        raise ModelSpecError(f"group_partial {text!r} is not a formula like 'visual =~ x2' or 'x3 ~ 1'.")
    lhs, rhs = compact.split(op, 1)
    if op == "~" and rhs == "1":
        return f"{lhs}~1"
    return _formula_key(lhs, op, rhs)


def _equality_type(r: dict, names: VariableNames, ov_x: tuple[str, ...]) -> str:
    """lavaan's group.equal category of a row (lav_partable_labels): intercepts and residuals of
    non-exogenous observed variables, means and (co)variances of latent ones."""
    lv = set(names.lv)
    nox = set(names.ov) - set(ov_x)
    if r["op"] == "=~":
        return "loadings"
    if r["op"] == "|":
        return "thresholds"
    if r["op"] == "~*~":
        return ""
    if r["op"] == "~":
        return "regressions"
    if r["op"] == "~1":
        return "means" if r["lhs"] in lv else ("intercepts" if r["lhs"] in nox else "")
    if r["lhs"] in lv:
        return "lv.variances" if r["lhs"] == r["rhs"] else "lv.covariances"
    if r["lhs"] in nox:
        return "residuals" if r["lhs"] == r["rhs"] else "residual.covariances"
    return ""


def _check_labels(rows: list[dict], names: VariableNames, definitions: list[Definition]) -> None:
    variables = set(names.ov) | set(names.lv)
    labels = {r["label"] for r in rows if r["label"]}
    clash = sorted(labels & variables)
    if clash:
        raise ModelSpecError(f"label {clash[0]!r} is also a variable name; rename the label.")
    known = labels | {f".p{k}." for k in range(1, len(rows) + 1)}
    for d in definitions:
        if d.op == ":=":
            if d.name in variables or d.name in labels:
                raise ModelSpecError(f"model line {d.line}: defined parameter {d.name!r} reuses a variable or "
                                     "label name.")
        unknown = [n for n in d.names() if n not in known]
        if unknown:
            what = f"{d.name} := {d.expression}" if d.op == ":=" else f"{d.name} {d.op} {d.expression}"
            raise ModelSpecError(f"model line {d.line}: {what.replace('**', '^')} uses {unknown[0]!r}, which is not "
                                 "a parameter label. Label the parameter first, e.g. 'y ~ b*x'.")
        if d.op == ":=":
            known.add(d.name)
