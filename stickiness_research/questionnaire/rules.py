"""Cross-reference rules of a questionnaire, each problem located by its path in the YAML file.

The schema checks each block's shape; these rules check that blocks agree with each other:
ids unique, references resolvable, translations complete, hypotheses acyclic, population valid.
"""

from __future__ import annotations

import graphlib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .schema import Questionnaire

Loc = tuple[str | int, ...]
MIN_ITEMS_PER_CONSTRUCT = 3


@dataclass(frozen=True)
class Problem:
    loc: Loc
    message: str
    hint: str | None = None
    severity: Literal["error", "warning"] = "error"


def check_rules(q: Questionnaire) -> list[Problem]:
    """All problems of a schema-valid questionnaire, errors and warnings, in file order."""
    problems: list[Problem] = []
    for rule in (_languages, _unique_ids, _response_sets, _items, _attention_checks, _demographics,
                 _constructs_have_items, _hypotheses, _population):
        problems.extend(rule(q))
    return problems


def _known(values: list[str]) -> str:
    return ", ".join(values) if values else "(none)"


def _languages(q: Questionnaire) -> list[Problem]:
    langs = q.meta.languages
    out: list[Problem] = []
    if q.meta.default_language and q.meta.default_language not in langs:
        out.append(Problem(("meta", "default_language"),
                           f"default language {q.meta.default_language!r} is not among languages {langs}.",
                           "Add it to meta.languages or pick one of them."))

    def need(loc: Loc, text: dict[str, str] | None) -> None:
        if text is None:
            return
        missing = [lang for lang in langs if lang not in text]
        if missing:
            out.append(Problem(loc, f"missing translation: no {', '.join(repr(m) for m in missing)} text.",
                               f"Every text needs all declared languages ({', '.join(langs)}); "
                               f"add `{missing[0]}: ...` here."))

    for key in ("title", "description", "intro"):
        need(("meta", key), getattr(q.meta, key))
    for name, rs in q.response_sets.items():
        missing = [lang for lang in langs if lang not in rs.labels]
        if missing:
            out.append(Problem(("response_sets", name, "labels"), f"missing translation: no {missing[0]!r} labels.",
                               f"Add `{missing[0]}: [...]` with {rs.points} labels."))
    for i, c in enumerate(q.constructs):
        need(("constructs", i, "name"), c.name)
        need(("constructs", i, "definition"), c.definition)
    for i, it in enumerate(q.items):
        need(("items", i, "text"), it.text)
    for i, a in enumerate(q.attention_checks):
        need(("attention_checks", i, "text"), a.text)
    for i, d in enumerate(q.demographics):
        need(("demographics", i, "text"), d.text)
        for j, o in enumerate(d.options):
            need(("demographics", i, "options", j, "label"), o.label)
    for i, h in enumerate(q.hypotheses):
        need(("hypotheses", i, "text"), h.text)
    return out


def _unique_ids(q: Questionnaire) -> list[Problem]:
    # Items, constructs, attention checks and demographics share one namespace: they become data
    # columns and model variables, where a clash would be silent and wrong.
    seen: dict[str, str] = {}
    out: list[Problem] = []
    blocks = [("constructs", q.constructs), ("items", q.items), ("attention_checks", q.attention_checks),
              ("demographics", q.demographics)]
    for block, entries in blocks:
        for i, entry in enumerate(entries):
            where = f"{block}[{i}]"
            if entry.id in seen:
                out.append(Problem((block, i, "id"), f"duplicate id {entry.id!r} (already used by {seen[entry.id]}).",
                                   "Ids must be unique across constructs, items, attention checks and "
                                   "demographics; rename one of them."))
            else:
                seen[entry.id] = where
    hyp_seen: set[str] = set()
    for i, h in enumerate(q.hypotheses):
        if h.id in hyp_seen:
            out.append(Problem(("hypotheses", i, "id"), f"duplicate hypothesis id {h.id!r}.",
                               "Number hypotheses H1, H2, ... once each."))
        hyp_seen.add(h.id)
    return out


def _response_sets(q: Questionnaire) -> list[Problem]:
    out = []
    for name, rs in q.response_sets.items():
        for lang, labels in rs.labels.items():
            if len(labels) != rs.points:
                out.append(Problem(("response_sets", name, "labels", lang),
                                   f"{len(labels)} {lang!r} labels for a {rs.points}-point scale.",
                                   f"Give exactly {rs.points} labels, one per point, lowest first."))
    return out


def _resolve_set(q: Questionnaire, loc: Loc, name: str | None) -> tuple[list[Problem], object]:
    if name is None:
        return [], q.response_sets[q.default_response_set]
    if name not in q.response_sets:
        return [Problem(loc, f"unknown response set {name!r}.",
                        f"Known response sets: {_known(list(q.response_sets))}.")], None
    return [], q.response_sets[name]


def _items(q: Questionnaire) -> list[Problem]:
    out: list[Problem] = []
    constructs = q.construct_ids
    for i, it in enumerate(q.items):
        if it.construct not in constructs:
            out.append(Problem(("items", i, "construct"),
                               f"item {it.id!r} names unknown construct {it.construct!r}.",
                               f"Known constructs: {_known(constructs)}. Fix the spelling or add the construct "
                               "under constructs:."))
        problems, rs = _resolve_set(q, ("items", i, "response_set"), it.response_set)
        out.extend(problems)
        if it.reverse and rs is not None and not rs.ordinal:
            out.append(Problem(("items", i, "reverse"),
                               f"item {it.id!r} is reverse-keyed but its response set is not ordinal.",
                               "Only Likert (ordinal) answers can be reversed; use a likert response set "
                               "or set reverse: false."))
    return out


def _attention_checks(q: Questionnaire) -> list[Problem]:
    out: list[Problem] = []
    positions = set(q.item_ids)
    for i, a in enumerate(q.attention_checks):
        problems, rs = _resolve_set(q, ("attention_checks", i, "response_set"), a.response_set)
        out.extend(problems)
        if rs is not None and a.expected not in rs.codes:
            out.append(Problem(("attention_checks", i, "expected"),
                               f"expected answer {a.expected} is outside the response set (codes "
                               f"{rs.codes[0]}..{rs.codes[-1]}).",
                               "Give the code of the instructed answer, e.g. 4 for 'Agree' on 5 points."))
        if a.after is not None and a.after not in positions:
            out.append(Problem(("attention_checks", i, "after"), f"'after' names unknown item {a.after!r}.",
                               "Name the item after which the check is shown."))
    return out


def _demographics(q: Questionnaire) -> list[Problem]:
    out: list[Problem] = []
    ids = [d.id for d in q.demographics]
    for i, d in enumerate(q.demographics):
        codes = [o.code for o in d.options]
        values = [o.value for o in d.options]
        for j, o in enumerate(d.options):
            if codes.count(o.code) > 1 and codes.index(o.code) != j:
                out.append(Problem(("demographics", i, "options", j, "code"), f"duplicate option code {o.code}.",
                                   "Each option needs its own code."))
            if values.count(o.value) > 1 and values.index(o.value) != j:
                out.append(Problem(("demographics", i, "options", j, "value"),
                                   f"duplicate option value {o.value!r}.", "Each option needs its own value."))
        weights = [o.weight for o in d.options]
        if any(w is not None for w in weights):
            if any(w is None for w in weights):
                out.append(Problem(("demographics", i, "options"), "some options have a weight and some do not.",
                                   "Give every option a weight (simulation probabilities) or none."))
            elif not math.isclose(sum(weights), 1.0, abs_tol=1e-6):
                out.append(Problem(("demographics", i, "options"),
                                   f"option weights sum to {sum(weights):.4f}, not 1.",
                                   "Weights are simulation probabilities; make them sum to 1."))
        if d.depends_on is not None:
            if d.depends_on not in ids or d.depends_on == d.id:
                out.append(Problem(("demographics", i, "depends_on"),
                                   f"depends_on names unknown question {d.depends_on!r}.",
                                   f"Known questions: {_known([x for x in ids if x != d.id])}."))
                continue
            parent = q.demographic(d.depends_on)
            if ids.index(d.depends_on) > i:
                out.append(Problem(("demographics", i, "depends_on"),
                                   f"{d.id!r} depends on {d.depends_on!r}, which comes later.",
                                   "List the question it depends on first."))
            cw = d.conditional_weights or {}
            for pv in [o.value for o in parent.options]:
                if pv not in cw:
                    out.append(Problem(("demographics", i, "conditional_weights"),
                                       f"no conditional weights for {d.depends_on}={pv!r}.",
                                       f"Give one weight list per value of {d.depends_on}."))
            for pv, ws in cw.items():
                loc = ("demographics", i, "conditional_weights", pv)
                if pv not in [o.value for o in parent.options]:
                    out.append(Problem(loc, f"{pv!r} is not a value of {d.depends_on!r}.",
                                       f"Values: {_known([o.value for o in parent.options])}."))
                elif len(ws) != len(d.options):
                    out.append(Problem(loc, f"{len(ws)} weights for {len(d.options)} options.",
                                       "Give one weight per option, in option order."))
                elif any(w < 0 for w in ws) or not math.isclose(sum(ws), 1.0, abs_tol=1e-6):
                    out.append(Problem(loc, f"weights must be non-negative and sum to 1 (sum {sum(ws):.4f}).",
                                       "Adjust the weights."))
        elif d.conditional_weights:
            out.append(Problem(("demographics", i, "conditional_weights"),
                               "conditional_weights without depends_on.", "Add `depends_on: <question id>`."))
    return out


def _constructs_have_items(q: Questionnaire) -> list[Problem]:
    out = []
    for i, c in enumerate(q.constructs):
        n = len(q.items_of(c.id))
        if n == 0:
            out.append(Problem(("constructs", i), f"construct {c.id!r} has no items.",
                               "Add items with `construct: " + c.id + "` or remove the construct."))
        elif n < MIN_ITEMS_PER_CONSTRUCT:
            out.append(Problem(("constructs", i),
                               f"construct {c.id!r} has {n} item(s); fewer than {MIN_ITEMS_PER_CONSTRUCT} "
                               "leaves its measurement model under-identified on its own.",
                               "Use 3 or more items per construct (4-5 is usual).", severity="warning"))
    return out


def _hypotheses(q: Questionnaire) -> list[Problem]:
    out: list[Problem] = []
    constructs = q.construct_ids
    direct = {(h.from_, h.to) for h in q.direct_hypotheses}
    for i, h in enumerate(q.hypotheses):
        named = [("from", h.from_), ("to", h.to)] + [(("via", k), v) for k, v in enumerate(h.via)]
        bad = False
        for key, value in named:
            if value not in constructs:
                bad = True
                loc = ("hypotheses", i, *key) if isinstance(key, tuple) else ("hypotheses", i, key)
                out.append(Problem(loc, f"hypothesis {h.id} names unknown construct {value!r}.",
                                   f"Known constructs: {_known(constructs)}."))
        if bad:
            continue
        if len(set(h.chain)) != len(h.chain):
            out.append(Problem(("hypotheses", i), f"hypothesis {h.id} goes through the same construct twice.",
                               "A path runs from one construct to a different one."))
        elif h.is_indirect:
            for a, b in zip(h.chain, h.chain[1:], strict=False):
                if (a, b) not in direct:
                    out.append(Problem(("hypotheses", i, "via"),
                                       f"indirect hypothesis {h.id} needs the path {a} -> {b}, which no direct "
                                       "hypothesis states.", f"Add a hypothesis `from: {a}, to: {b}`."))
    graph: dict[str, set[str]] = {}
    for a, b in direct:
        graph.setdefault(b, set()).add(a)
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        cycle = " -> ".join(reversed(exc.args[1]))
        first = next(i for i, h in enumerate(q.hypotheses) if not h.is_indirect and h.to in exc.args[1]
                     and h.from_ in exc.args[1])
        out.append(Problem(("hypotheses", first), f"hypotheses form a cycle: {cycle}.",
                           "Recursive models need special identification; remove one path of the cycle."))
    return out


def _population(q: Questionnaire) -> list[Problem]:
    pop = q.population
    if pop is None:
        return []
    out: list[Problem] = []
    constructs = q.construct_ids
    if pop.loadings.min > pop.loadings.max:
        out.append(Problem(("population", "loadings"), "loadings.min is larger than loadings.max.",
                           "Swap them."))
    for item_id in pop.item_loadings:
        if item_id not in q.item_ids:
            out.append(Problem(("population", "item_loadings", item_id), f"unknown item {item_id!r}.",
                               "Name an item id from items:."))
    for i, c in enumerate(pop.correlations):
        for v in c.between:
            if v not in constructs:
                out.append(Problem(("population", "correlations", i, "between"), f"unknown construct {v!r}.",
                                   f"Known constructs: {_known(constructs)}."))
    targets = set()
    for i, p in enumerate(pop.paths):
        for key, v in (("from", p.from_), ("to", p.to)):
            if v not in constructs:
                out.append(Problem(("population", "paths", i, key), f"unknown construct {v!r}.",
                                   f"Known constructs: {_known(constructs)}."))
        targets.add(p.to)
    for i, c in enumerate(pop.correlations):
        endo = [v for v in c.between if v in targets]
        if endo:
            out.append(Problem(("population", "correlations", i, "between"),
                               f"{endo[0]!r} is endogenous in the population paths; correlations are given "
                               "only among exogenous constructs.",
                               "Remove this correlation; the paths determine it."))
    return out
