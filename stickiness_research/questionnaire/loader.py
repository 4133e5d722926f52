"""Load a questionnaire YAML file into a validated :class:`Questionnaire`, errors carrying file:line.

ruamel.yaml keeps the line of every key and list entry; pydantic reports the location of each
problem as a path (``items.3.construct``). Joining the two lets every error name its line.
"""

from __future__ import annotations

import re
import typing
import warnings
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from .._validation import PATH, check
from ..errors import LocatedError, QuestionnaireError, QuestionnaireWarning
from .rules import Problem, check_rules
from .schema import Questionnaire

Loc = tuple[str | int, ...]
# A questionnaire expands to a few thousand YAML nodes; alias bombs ("billion laughs") to billions.
MAX_YAML_NODES = 200_000
MAX_YAML_DEPTH = 64


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Load and validate a questionnaire definition.

    Parameters
    ----------
    path : str or Path
        A YAML file in the questionnaire format (see ``questionnaires/README.md``).

    Returns
    -------
    Questionnaire

    Raises
    ------
    QuestionnaireError
        With ``file``, ``line``, ``field`` and ``hint`` for the first problem found; the message
        also says how many other problems there are.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> q.construct_ids[:2]
    ['interaction', 'emotional_attachment']
    """
    check(path, "path", "load_questionnaire", PATH)
    path = Path(path)
    text, encoding = read_text(path, QuestionnaireError, hint_missing="Check the path; built-in questionnaires "
                               "live in questionnaires/.")
    shown = str(path)
    q = loads_questionnaire(text, source=shown)
    if encoding != "utf-8":
        _warn_encoding(q, shown, encoding)
    return q


def read_text(path: Path, error: type[LocatedError], *, hint_missing: str) -> tuple[str, str]:
    """Text of a YAML file and its encoding: UTF-8, or GB18030 (GBK) as Chinese Windows editors save it.

    Raises ``error`` naming the file when it is missing, a directory, or in neither encoding.
    """
    shown = str(path)
    if path.is_dir():
        raise error("is a directory, not a file.", file=shown, hint="Give the path of the YAML file inside it.")
    if not path.is_file():
        raise error("file not found.", file=shown, hint=hint_missing)
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        reason = f"{exc.reason} at byte {exc.start}"
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    # GB18030 decodes almost any bytes; accept it only when it yields Chinese text, as a GBK file does.
    if re.search("[\u4e00-\u9fff]", text):
        return text, "gb18030"
    raise error(f"file is neither UTF-8 nor GBK/GB18030 text ({reason}).", file=shown,
                hint="Save the file as UTF-8 (in most editors: Save As, encoding UTF-8).")


def _warn_encoding(q: Questionnaire, source: str, encoding: str) -> None:
    msg = (f"{source}: read as {encoding.upper()} (GBK), not UTF-8. Hint: save it as UTF-8 so every tool "
           "reads it the same way.")
    q._warnings.append(msg)
    warnings.warn(msg, QuestionnaireWarning, stacklevel=3)


def loads_questionnaire(text: str, *, source: str = "<string>") -> Questionnaire:
    """Load a questionnaire from YAML text (see :func:`load_questionnaire`).

    Parameters
    ----------
    text : str
        The YAML document.
    source : str
        Name used for the file in error messages (default ``"<string>"``).

    Returns
    -------
    Questionnaire
        The validated questionnaire.

    Raises
    ------
    QuestionnaireError
        Malformed YAML, a missing or invalid key, or inconsistent ids, with line, field and hint.

    Warns
    -----
    QuestionnaireWarning
        For a questionnaire that loads but may cause trouble later.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.loads_questionnaire(sr.builtin_questionnaire_path().read_text(encoding="utf-8"))
    >>> q.id, len(q.items), q.construct_ids[:2]
    ('financial_social_media_stickiness', 25, ['interaction', 'emotional_attachment'])
    """
    tree = _parse_yaml(text, source)
    if not isinstance(tree, dict):
        raise QuestionnaireError("the file must hold a mapping with keys meta, response_sets, constructs, "
                                 "items, ...", file=source, line=1,
                                 hint="Start from the example in questionnaires/README.md.")
    _include_scales(tree, source)
    data = _plain(tree)
    try:
        q = Questionnaire.model_validate(data)
    except ValidationError as exc:
        raise _from_validation_error(exc, tree, source) from None
    problems = check_rules(q)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        first = errors[0]
        more = f" ({len(errors) - 1} more problem(s) after this one.)" if len(errors) > 1 else ""
        raise QuestionnaireError(first.message + more, file=source, line=_line_of(tree, first.loc),
                                 field=_dotted(first.loc), hint=first.hint)
    q._source = source
    for p in problems:
        if p.severity == "warning":
            where = f"{source}:{_line_of(tree, p.loc)}"
            msg = f"{where}: {_dotted(p.loc)}: {p.message}" + (f" Hint: {p.hint}" if p.hint else "")
            q._warnings.append(msg)
            warnings.warn(msg, QuestionnaireWarning, stacklevel=2)
    return q


# ----- scale library ---------------------------------------------------------------------------
def _include_scales(tree: Any, source: str) -> None:
    """Replace ``constructs`` entries ``{from: scales/file.yaml, id: name}`` by the library's construct.

    A scale library file holds ``constructs`` (each with its ``items``) and optionally ``response_sets``.
    The construct (with its citation) replaces the entry; any other key of the entry overrides the
    library's; its items are appended to ``items``; response sets the questionnaire lacks are added.
    """
    constructs = tree.get("constructs")
    if not isinstance(constructs, list):
        return
    for k, entry in enumerate(list(constructs)):
        if not (isinstance(entry, dict) and "from" in entry):
            continue
        line = constructs.lc.item(k)[0] + 1 if isinstance(constructs, CommentedSeq) else None
        where = {"file": source, "line": line, "field": f"constructs[{k}].from"}
        base = Path(source).parent if source != "<string>" else Path.cwd()
        library = base / str(entry["from"])
        if not library.is_file():
            what = "is a directory, not a file" if library.is_dir() else "not found"
            raise QuestionnaireError(f"scale library {str(entry['from'])!r} {what} (looked in {library}).",
                                     hint="Paths are relative to the questionnaire file.", **where)
        lib = _parse_yaml(read_text(library, QuestionnaireError, hint_missing="")[0], str(library))
        if not isinstance(lib, dict) or not isinstance(lib.get("constructs", []), list):
            raise QuestionnaireError(f"scale library {str(entry['from'])!r} must hold a mapping with a "
                                     "'constructs' list (and optionally 'response_sets').",
                                     hint=f"{library} holds a {type(lib).__name__.removeprefix('Commented')}; "
                                     "see 'Reusing scales' in questionnaires/README.md.", **where)
        if not isinstance(lib.get("response_sets") or {}, dict):
            raise QuestionnaireError(f"scale library {str(entry['from'])!r}: 'response_sets' must be a mapping "
                                     "of named answer scales.", **where)
        wanted = entry.get("id")
        found = [c for c in (lib.get("constructs") or []) if isinstance(c, dict) and c.get("id") == wanted]
        if not found:
            ids = [c.get("id") for c in (lib.get("constructs") or []) if isinstance(c, dict)]
            raise QuestionnaireError(f"scale library {str(entry['from'])!r} has no construct {wanted!r}.",
                                     hint=f"It holds: {', '.join(map(str, ids)) or 'no constructs'}.", **where)
        construct = {key: value for key, value in found[0].items() if key != "items"}
        construct.update({key: value for key, value in entry.items() if key != "from"})
        constructs[k] = construct
        items = tree.setdefault("items", CommentedSeq())
        for item in found[0].get("items") or []:
            items.append({**item, "construct": construct["id"]})
        sets = tree.setdefault("response_sets", CommentedMap())
        for name, rs in (lib.get("response_sets") or {}).items():
            if name not in sets:
                sets[name] = rs


# ----- YAML ------------------------------------------------------------------------------------
def _parse_yaml(text: str, source: str, error: type[LocatedError] = QuestionnaireError) -> Any:
    yaml = YAML(typ="rt")  # round-trip mode keeps line numbers; duplicate keys are errors
    try:
        _check_expansion(yaml, text, source, error)
        tree = yaml.load(text)
    except LocatedError:
        raise
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        hint = "Check indentation and quote texts that contain ':' or '#'."
        if "duplicate key" in problem:
            hint = "Each key may appear once in a mapping; remove or rename the repeated key."
        raise error(f"YAML syntax error: {problem}.", file=source, line=line, hint=hint) from None
    except Exception as exc:  # ruamel raises a few unmarked errors (e.g. bad tags, control characters)
        raise error(f"YAML cannot be read: {exc}".rstrip(".") + ".", file=source,
                    hint="Check the file is a YAML document.") from None
    if tree is None:
        raise error("the file is empty.", file=source, line=1, hint="Start from a documented example.")
    return tree


def _check_expansion(yaml: YAML, text: str, source: str, error: type[LocatedError]) -> None:
    """Refuse YAML whose aliases expand to too many nodes, or that nests too deeply, before composing it.

    Walks the parser's events (linear in the text) counting each alias as the size of its anchor,
    so an alias bomb ("billion laughs") fails in milliseconds instead of exhausting memory.
    """
    sizes: dict[str, int] = {}
    stack: list[list] = [[None, 0]]  # [anchor, nodes so far] per open collection; the root at the bottom
    for event in yaml.parse(text):
        kind = type(event).__name__
        if kind in ("MappingStartEvent", "SequenceStartEvent"):
            stack.append([event.anchor, 1])
            if len(stack) > MAX_YAML_DEPTH:
                raise error(f"the YAML nests deeper than {MAX_YAML_DEPTH} levels.",
                            file=source, line=event.start_mark.line + 1, hint="Flatten the structure.")
            continue
        if kind in ("MappingEndEvent", "SequenceEndEvent"):
            anchor, size = stack.pop()
        elif kind == "ScalarEvent":
            anchor, size = event.anchor, 1
        elif kind == "AliasEvent":
            anchor, size = None, sizes.get(event.anchor, 1)
        else:
            continue
        if anchor is not None:
            sizes[anchor] = size
        stack[-1][1] += size
        if stack[-1][1] > MAX_YAML_NODES:
            raise error(f"the YAML expands to more than {MAX_YAML_NODES:,} nodes (anchors '&' and aliases '*' "
                        "repeat content); refusing to load it.", file=source, line=event.start_mark.line + 1,
                        hint="Write the content out instead of nesting aliases of aliases.")


def _plain(node: Any) -> Any:
    """ruamel's commented containers -> plain dicts, lists and scalars (keys as strings)."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if hasattr(node, "isoformat"):  # YAML dates/timestamps: keep as text
        return node.isoformat()
    return node


def _line_of(tree: Any, loc: Loc) -> int | None:
    """1-based line of the deepest part of ``loc`` that exists in the YAML tree."""
    node, line = tree, 1
    for key in loc:
        if isinstance(node, CommentedMap):
            k = key if key in node else str(key)
            if k not in node:
                break
            line = node.lc.key(k)[0] + 1
            node = node[k]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
            line = node.lc.item(key)[0] + 1
            node = node[key]
        else:
            break
    return line


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# ----- pydantic errors -> QuestionnaireError ---------------------------------------------------
def _from_validation_error(exc: ValidationError, tree: Any, source: str, model: type[BaseModel] = Questionnaire,
                           error: type[LocatedError] = QuestionnaireError) -> LocatedError:
    errors = exc.errors(include_url=False)
    err = errors[0]
    loc: Loc = tuple(err["loc"]) + getattr((err.get("ctx") or {}).get("error"), "key", ())  # KeyedValueError
    kind = err["type"]
    more = f" ({len(errors) - 1} more problem(s) after this one.)" if len(errors) > 1 else ""
    if kind == "missing":
        msg, hint = f"required key {loc[-1]!r} is missing.", f"Add `{loc[-1]}:` here."
    elif kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1], model)
        msg = f"unknown key {loc[-1]!r}."
        hint = ("Check the spelling" + (f"; allowed keys here: {', '.join(allowed)}." if allowed else "."))
    elif kind == "string_pattern_mismatch" and loc and loc[-1] == "id":
        msg = f"{err['input']!r} is not a valid id."
        hint = ("Hypothesis ids look like H1, H2a." if "hypotheses" in loc else
                "Ids start with a letter or _, then letters, digits or _ (they become column and variable names).")
    else:
        text = err["msg"]
        if err.get("type") == "value_error":  # our own validators' sentences: no pydantic prefix, no echo of input
            msg = text.removeprefix("Value error, ").rstrip(".") + "."
        else:
            msg = text.rstrip(".") + f" (got {err.get('input')!r})." if "input" in err else text
        hint = None
    return error(msg + more, file=source, line=_line_of(tree, loc), field=_dotted(loc), hint=hint)


def _allowed_keys(loc: Loc, model: Any = Questionnaire) -> list[str]:
    """Field names allowed at a location, walking the schema along the error path."""
    for key in loc:
        model = _unwrap(model)
        if isinstance(key, int) or not (isinstance(model, type) and issubclass(model, BaseModel)):
            args = typing.get_args(model)
            if args:  # list[X] / dict[str, X]: step into the element type
                model = args[-1]
            continue
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == key), None)
        if field is None:
            return []
        model = field.annotation
    model = _unwrap(model)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or n for n, f in model.model_fields.items()]
    return []


def _unwrap(annotation: Any) -> Any:
    """Optional[X] -> X."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, getattr(__import__("types"), "UnionType", None)) \
            and len(args) == 1:
        return args[0]
    return annotation


__all__ = ["load_questionnaire", "loads_questionnaire", "QuestionnaireWarning", "Problem"]
