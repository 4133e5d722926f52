"""Path diagrams of fitted models (SEMResult.plot) and figures that leave the user's matplotlib alone."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import Ellipse, FancyArrowPatch, FancyBboxPatch

import stickiness_research as sr

HS_CFA = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
PATH_MODEL = "x4 ~ x1 + x2\nx9 ~ x4 + x1"
STARS = {"***": 0.001, "**": 0.01, "*": 0.05}


@pytest.fixture(scope="module")
def questionnaire():
    return sr.load_questionnaire(sr.builtin_questionnaire_path())


@pytest.fixture(scope="module")
def fits(questionnaire):
    hs = sr.datasets.holzinger_swineford()
    answers = sr.reverse_code(sr.simulate_responses(questionnaire, n=400, seed=1), questionnaire)
    ordinal = ("interaction =~ int1 + int2 + int3 + int4\nstickiness =~ sti1 + sti2 + sti3 + sti4\n"
               "stickiness ~ interaction")
    return {
        "cfa": sr.fit_sem(HS_CFA, hs),
        "stickiness": sr.fit_sem(questionnaire.model_syntax(), answers),
        "observed": sr.fit_sem(PATH_MODEL, hs),
        "groups": sr.fit_sem(HS_CFA, hs, group="school"),
        "wlsmv": sr.fit_sem(ordinal, answers, ordered=True),
    }


def gids(ax, prefix: str) -> dict[str, object]:
    """Artists of one axes whose gid starts with ``prefix``, by gid."""
    return {a.get_gid(): a for a in [*ax.patches, *ax.texts] if (a.get_gid() or "").startswith(prefix)}


def rows_of(res, group=None):
    est = res.estimates
    return est if group is None else est[est["group"] == group]


def number(text: str) -> tuple[float, str]:
    """A label's value and its stars."""
    value = text.rstrip("*")
    return float(value.replace("\u2212", "-")), text[len(value):]


@pytest.mark.parametrize("name", ["cfa", "stickiness", "observed", "groups", "wlsmv"])
def test_one_node_per_variable_and_one_arrow_per_parameter(fits, name):
    res = fits[name]
    fig = res.plot()
    groups = list(res.groups) or [None]
    assert len(fig.axes) == len(groups)
    for ax, group in zip(fig.axes, groups, strict=True):
        prefix = "" if group is None else f"g{groups.index(group) + 1}-"
        est = rows_of(res, group)
        loadings, paths = est[est["op"] == "=~"], est[est["op"] == "~"]
        latents = set(loadings["lhs"])
        observed = (set(loadings["rhs"]) | set(paths["lhs"]) | set(paths["rhs"])) - latents
        nodes = gids(ax, f"{prefix}node-")
        assert {g.removeprefix(f"{prefix}node-") for g in nodes} == latents | observed
        for gid, patch in nodes.items():  # latent: ellipse, observed: rectangle
            assert isinstance(patch, Ellipse if gid.removeprefix(f"{prefix}node-") in latents else FancyBboxPatch)
        arrows = {g for g, a in gids(ax, prefix).items() if isinstance(a, FancyArrowPatch)}
        covariances = est[(est["op"] == "~~") & (est["lhs"] != est["rhs"])]
        expected = ({f"{prefix}loading-{r.lhs}-{r.rhs}" for r in loadings.itertuples()}
                    | {f"{prefix}path-{r.rhs}-{r.lhs}" for r in paths.itertuples()}
                    | {f"{prefix}covariance-{r.lhs}-{r.rhs}" for r in covariances.itertuples()})
        assert arrows == expected
        assert len(arrows) == len(loadings) + len(paths) + len(covariances)
        if group is not None:
            assert gids(ax, f"{prefix}title")[f"{prefix}title"].get_text() == group


@pytest.mark.parametrize("name", ["cfa", "stickiness", "observed", "groups", "wlsmv"])
@pytest.mark.parametrize("standardized", [True, False])
def test_labels_are_the_estimates_with_their_stars(fits, name, standardized):
    res = fits[name]
    fig = res.plot(standardized=standardized)
    groups = list(res.groups) or [None]
    column = "std_all" if standardized else "est"
    checked = 0
    for ax, group in zip(fig.axes, groups, strict=True):
        prefix = "" if group is None else f"g{groups.index(group) + 1}-"
        labels = {g.removeprefix(f"{prefix}label-"): t.get_text() for g, t in gids(ax, f"{prefix}label-").items()}
        est = rows_of(res, group)
        for r in est[est["op"].isin(["=~", "~"]) | ((est["op"] == "~~") & (est["lhs"] != est["rhs"]))].itertuples():
            key = {"=~": f"loading-{r.lhs}-{r.rhs}", "~": f"path-{r.rhs}-{r.lhs}"}.get(r.op,
                                                                                      f"covariance-{r.lhs}-{r.rhs}")
            value, marks = number(labels[key])
            assert value == pytest.approx(getattr(r, column), abs=0.005 + 1e-9), key
            if standardized and abs(value) < 1:
                assert not labels[key].lstrip("\u2212").startswith("0")  # APA: no leading zero
            expected = "" if math.isnan(r.pvalue) else next((s for s, cut in STARS.items() if r.pvalue < cut), "")
            assert marks == expected, key
            checked += 1
    assert checked > 0


def test_r2_is_written_inside_endogenous_variables_only(fits):
    res = fits["stickiness"]
    ax = res.plot().axes[0]
    r2 = {g.removeprefix("r2-"): t.get_text() for g, t in gids(ax, "r2-").items()}
    assert set(r2) == {"emotional_attachment", "trust", "stickiness"}
    for construct, text in r2.items():
        assert text == "R\u00b2 = " + f"{res.r2[construct]:.2f}".removeprefix("0")
    assert not gids(res.plot(r2=False).axes[0], "r2-")


def test_non_significant_paths_are_dashed_and_grey(fits):
    res = fits["observed"]
    ax = res.plot().axes[0]
    est = res.estimates.set_index(["lhs", "op", "rhs"])
    assert est.loc[("x4", "~", "x2"), "pvalue"] > 0.05 and est.loc[("x4", "~", "x1"), "pvalue"] < 0.05
    arrows = gids(ax, "path-")
    assert arrows["path-x2-x4"].get_linestyle() == "--"
    assert arrows["path-x1-x4"].get_linestyle() == "-"
    plain = gids(res.plot(significance="none").axes[0], "")
    assert plain["path-x2-x4"].get_linestyle() == "-" and plain["label-path-x1-x4"].get_text() == ".36"


def test_structural_part_only(fits):
    ax = fits["stickiness"].plot(measurement=False, covariances=False).axes[0]
    nodes = {g.removeprefix("node-") for g in gids(ax, "node-")}
    assert nodes == {"interaction", "emotional_attachment", "security", "trust", "convenience", "stickiness"}
    assert not gids(ax, "loading-") and not gids(ax, "covariance-") and len(gids(ax, "path-")) == 7


@pytest.mark.parametrize(("language", "attached"), [(None, "情感依恋"), ("zh", "情感依恋"), ("en", "Emotional attachment")])
def test_construct_names_from_the_questionnaire(fits, questionnaire, language, attached):
    ax = fits["stickiness"].plot(labels=questionnaire, language=language).axes[0]
    names = {g.removeprefix("name-"): t.get_text() for g, t in gids(ax, "name-").items()}
    assert names["emotional_attachment"] == attached
    assert names["ea1"] == "ea1"  # items keep their ids
    assert all(names[c] == questionnaire.name_of(c, language) for c in questionnaire.construct_ids)


def test_labels_dict_renames_any_variable(fits):
    ax = fits["cfa"].plot(labels={"visual": "视觉", "x1": "题1"}).axes[0]
    names = {g.removeprefix("name-"): t.get_text() for g, t in gids(ax, "name-").items()}
    assert (names["visual"], names["x1"], names["textual"]) == ("视觉", "题1", "textual")


def test_one_group_of_a_multi_group_fit(fits):
    res = fits["groups"]
    fig = res.plot(group="Grant-White")
    assert len(fig.axes) == 1
    labels = gids(fig.axes[0], "label-loading-visual-x2")
    row = res.estimates.query("group == 'Grant-White' and lhs == 'visual' and rhs == 'x2'").iloc[0]
    assert number(labels["label-loading-visual-x2"].get_text())[0] == pytest.approx(row.std_all, abs=0.005)


def test_labels_and_nodes_do_not_overlap(fits, questionnaire):
    """The 6-construct, 25-item model reads: no two node names, R-squared lines or arrow labels cover each other,
    and no arrow label covers a node."""
    for fig in (fits["stickiness"].plot(labels=questionnaire, language="en"),
                fits["stickiness"].plot(labels=questionnaire, language="zh"),
                fits["stickiness"].plot(measurement=False, labels=questionnaire), fits["cfa"].plot()):
        renderer = FigureCanvasAgg(fig).get_renderer()
        ax = fig.axes[0]
        texts = [t for t in ax.texts if t.get_gid().startswith(("label-", "r2-", "name-"))]
        boxes = {t.get_gid(): t.get_window_extent(renderer).shrunk(0.97, 0.9) for t in texts}
        names = list(boxes)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                node_text = a.startswith(("name-", "r2-")) and b.startswith(("name-", "r2-"))
                same_node = node_text and a.split("-", 1)[1] == b.split("-", 1)[1]
                assert same_node or not boxes[a].overlaps(boxes[b]), (a, b)
        nodes = [p.get_window_extent(renderer) for p in ax.patches if p.get_gid().startswith("node-")]
        for gid, box in boxes.items():
            if gid.startswith("label-"):
                assert not any(box.overlaps(n) for n in nodes), gid


@pytest.mark.parametrize("suffix", [".svg", ".png", ".pdf"])
def test_files_are_written_atomically_and_reproducibly(fits, tmp_path, suffix):
    res = fits["stickiness"]
    first = tmp_path / f"model{suffix}"
    fig = res.plot(first, labels={"stickiness": "用户黏性"})
    assert fig.axes
    data = first.read_bytes()
    assert data.startswith({".svg": b"<?xml", ".png": b"\x89PNG", ".pdf": b"%PDF"}[suffix])
    second = tmp_path / "sub" / f"again{suffix}"
    res.plot(second, labels={"stickiness": "用户黏性"})
    assert second.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.name, "sub"]  # no temporary file left
    if suffix == ".svg":
        assert b"<text" not in data  # text drawn as outlines: the same on every machine


def test_bad_arguments_raise_named_errors(fits, questionnaire, tmp_path):
    res, groups = fits["cfa"], fits["groups"]
    cases = [
        (lambda: res.plot(tmp_path / "x.txt"), sr.ParameterError, "'path' parameter of plot must be a file name"),
        (lambda: res.plot(standardized="yes"), sr.ParameterError, "'standardized' parameter of plot must be a bool"),
        (lambda: res.plot(significance="bold"), sr.ParameterError, "'significance' parameter"),
        (lambda: res.plot(labels=["x"]), sr.ParameterError, "'labels' parameter of plot must be a dict"),
        (lambda: res.plot(labels=questionnaire, language="fr"), sr.ParameterError, "one of 'zh', 'en'"),
        (lambda: res.plot(language="en"), sr.ParameterError, "unless labels is a Questionnaire"),
        (lambda: res.plot(group="Pasteur"), sr.ParameterError, "for a single-group model"),
        (lambda: groups.plot(group="Eton"), sr.ParameterError, "one of 'Pasteur', 'Grant-White'"),
        (lambda: res.plot(digits=-1), sr.ParameterError, "'digits' parameter"),
        (lambda: res.plot(tmp_path), sr.ParameterError, "'path' parameter"),
    ]
    (tmp_path / "folder.svg").mkdir()
    cases.append((lambda: res.plot(tmp_path / "folder.svg"), sr.OutputPathError, "is a directory"))
    for call, error, message in cases:
        with pytest.raises(error, match=message.replace("(", r"\(")):
            call()


def test_report_figure_is_the_same_diagram():
    from stickiness_research.report.figures import path_diagram

    paths = [{"from": "a", "to": "b", "beta": 0.42, "pvalue": 0.0004}, {"from": "b", "to": "c", "beta": -0.05,
                                                                       "pvalue": 0.4}]
    svg = path_diagram(["a", "b", "c"], {"a": "甲", "b": "乙", "c": "Outcome"}, paths, {"b": 0.18, "c": 0.01})
    assert svg == path_diagram(["a", "b", "c"], {"a": "甲", "b": "乙", "c": "Outcome"}, paths, {"b": 0.18, "c": 0.01})
    for text in (">甲<", ">Outcome<", ">.42***<", ">\u2212.05<", ">R² = .18<", 'id="node-a"', 'id="path-a-b"'):
        assert text in svg, text
    assert "stroke-dasharray" in svg  # the non-significant path


DRAW_EVERYTHING = """
import json, sys
import matplotlib
matplotlib.use("svg")
matplotlib.rcParams["font.size"] = 13.0
matplotlib.rcParams["svg.fonttype"] = "path"
before = {k: repr(v) for k, v in matplotlib.rcParams.items()}
import pandas as pd
import stickiness_research as sr
from stickiness_research.planning import SampleSizeResult
from stickiness_research.report.figures import ipma_chart, path_diagram, survival_chart

q = sr.load_questionnaire(sr.builtin_questionnaire_path())
answers = sr.reverse_code(sr.simulate_responses(q, n=300, seed=2), q)
drawn = [
    path_diagram(["a", "b"], {"a": "甲", "b": "B"}, [{"from": "a", "to": "b", "beta": .3, "pvalue": .01}], {"b": .09}),
    ipma_chart([{"label": "x", "importance": .2, "performance": 60, "significant": True},
                {"label": "y", "importance": .1, "performance": 70, "significant": False}], "importance", "performance"),
    survival_chart({"all": [(0.0, 1.0), (10.0, .8), (30.0, .5)]}, "day", "share active"),
]
res = sr.fit_sem(q.model_syntax(), answers)
drawn.append(res.plot(sys.argv[1], labels=q))
drawn.append(sr.latent_interaction(q, answers, "security", "convenience", "stickiness").plot())
scores = pd.DataFrame({c: answers[[i.id for i in q.items_of(c)]].mean(axis=1) for c in q.construct_ids})
drawn.append(sr.moderation(scores, "security", "convenience", "stickiness").plot())
curve = pd.DataFrame({"n": [100, 200], "hypothesis": ["H1", "H1"], "power": [.5, .9], "mc_se": [.05, .03]})
drawn.append(SampleSizeResult(n=200, target_power=.8, criterion="all", sample_sizes=pd.DataFrame(), search=pd.DataFrame(),
                              curve=curve, hypotheses=("H1",), replications=10, seed=1, alpha=.05, step=10, n_min=100,
                              n_max=200).figure())
for fig in drawn[3:]:
    fig.savefig(sys.argv[1] + ".png")
after = {k: repr(v) for k, v in matplotlib.rcParams.items()}
print(json.dumps({"backend": matplotlib.get_backend(), "changed": sorted(k for k in before if before[k] != after[k]),
                  "pyplot": "matplotlib.pyplot" in sys.modules, "figures": len(drawn)}))
"""


def test_figures_never_switch_the_backend_or_rcparams(tmp_path):
    """Every kind of figure drawn in a session with its own backend and settings leaves both as they were."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(DRAW_EVERYTHING), str(tmp_path / "model.svg")],
                         capture_output=True, text=True, env=env, timeout=600, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report == {"backend": "svg", "changed": [], "pyplot": False, "figures": 7}
    assert (tmp_path / "model.svg").read_bytes().startswith(b"<?xml")
    assert "findfont" not in out.stderr  # only installed fonts are named
