"""PLSpredict reference values from the seminr Python port (PyPI ``seminr==0.2.1``'s ``predict_pls``).

DEV-ONLY oracle, run by hand from the repository root in the throwaway port venv (see
``tests/reference/seminr_port.py``, whose models, data loading and R seed scrambling it reuses)::

    /tmp/seminr-port/bin/python tests/reference/seminr/predict/generate.py

Writes ``mobi.json`` and ``corp_rep.json`` next to this file. Every case fixes the fold
assignment to the one R's seminr would use after ``set.seed(seed)``: ``predict_pls`` draws
``order <- sample(nrow(data), nrow(data))`` (nothing else consumes random numbers) and cuts the
shuffled rows into ``noFolds`` contiguous blocks; ``r_sample`` below replays R's
``sample(n, n)`` (Mersenne-Twister, sample.kind = "Rejection"; R_unif_index with rejection
sampling from the next power of two, then ``x[j] <- x[--n]``), checked against R's well-known
``set.seed(123); sample(10)`` = 3 10 2 8 6 9 1 7 5 4. The port receives the same order
(0-based ``ordering=``), so each case is the port's value of, in R,
``set.seed(seed); predict_pls(model, technique, noFolds)`` (for LOOCV the order does not matter).

The port follows seminr after 2.3.2: the LM benchmark regresses each endogenous indicator on
the indicators of the construct's direct antecedents (predict_DA) or of all exogenous constructs
(predict_EA).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent


def _port():
    """The port and seminr_port.py's helpers, imported only when run (the project's pytest imports this file
    with --doctest-modules, without the port installed)."""
    sys.path.append(str(HERE.parents[1]))  # tests/reference, after site-packages: ``seminr`` is the port
    import importlib

    import seminr_port

    return importlib.import_module("seminr.predict"), seminr_port  # seminr.predict is also a function


def r_sample(seed: int, n: int) -> list[int]:
    """R >= 3.6: ``set.seed(seed); sample(n, n)`` (1-based)."""
    _r_mt_key = _port()[1]._r_mt_key
    bg = np.random.MT19937()
    bg.state = {"bit_generator": "MT19937", "state": {"key": _r_mt_key(seed), "pos": 624}}
    low = 0.5 * 2.328306437080797e-10

    def unif() -> float:  # unif_rand(): fixup(MT_genrand())
        u = float(bg.random_raw()) * 2.3283064365386963e-10
        return low if u <= 0.0 else 1.0 - low if 1.0 - u <= 0.0 else u

    def unif_index(dn: int) -> int:  # R_unif_index, sample.kind = "Rejection"
        bits = math.ceil(math.log2(dn))
        while True:
            v = 0
            for _ in range(bits // 16 + 1):
                v = 65536 * v + math.floor(unif() * 65536)
            v &= (1 << bits) - 1
            if v < dn:
                return v

    x = list(range(n))
    out = []
    for m in range(n, 0, -1):  # do_sample without replacement
        j = unif_index(m)
        out.append(x[j] + 1)
        x[j] = x[m - 1]
    return out




def metrics(nm) -> dict[str, dict[str, float]]:
    return {row: {col: float(nm.values[i, j]) for j, col in enumerate(nm.cols)} for i, row in enumerate(nm.rows)}


def case(name: str, description: str, model: dict[str, Any], n: int, technique: str, n_folds: int | None,
         seed: int | None) -> dict[str, Any]:
    port, helpers = _port()
    order = r_sample(seed, n) if seed is not None else list(range(1, n + 1))
    pred = port.predict_pls(helpers.fit(model), technique=getattr(port, f"predict_{technique}"), no_folds=n_folds,
                            ordering=[i - 1 for i in order])
    im = port.item_metrics(pred)
    head = pred.items.pls_out_of_sample
    return {
        "case": name, "description": description, "technique": technique,
        "n_folds": n if n_folds is None else n_folds,
        "r_call": (f"set.seed({seed}); " if seed is not None else "")
        + f"predict_pls(model, technique = predict_{technique}, noFolds = {'NULL' if n_folds is None else n_folds})",
        "order": order,
        "item_metrics": {"PLS_in_sample": metrics(im.pls_in_sample), "PLS_out_of_sample": metrics(im.pls_out_of_sample),
                         "LM_in_sample": metrics(im.lm_in_sample), "LM_out_of_sample": metrics(im.lm_out_of_sample)},
        "construct_metrics": metrics(port.construct_metrics(pred)),
        "PLS_out_of_sample_first_rows": {c: [float(v) for v in head.values[:5, j]] for j, c in enumerate(head.cols)},
    }


def main() -> None:
    assert r_sample(123, 10) == [3, 10, 2, 8, 6, 9, 1, 7, 5, 4]
    assert r_sample(42, 10) == [1, 5, 10, 8, 2, 4, 6, 9, 7, 3]
    h = _port()[1]
    C, P, items = h.C, h.P, h.items  # noqa: N806
    simple = {"data": "mobi", "mm": [C("Image", items("IMAG", 5)), C("Expectation", items("CUEX", 3)),
                                     C("Value", items("PERV", 2)), C("Satisfaction", items("CUSA", 3))],
              "sm": P(["Image", "Expectation", "Value"], "Satisfaction")}
    ecsi, plsc = h.CASES["mobi_ecsi"], h.CASES["mobi_ecsi_plsc"]
    mobi = {"generator": h.generator_info() | {"script": "tests/reference/seminr/predict/generate.py"},
            "data_file": "tests/reference/seminr/data/mobi.csv",
            "cases": [
                case("ecsi_da", ecsi["description"], ecsi, 250, "DA", 10, 123),
                case("ecsi_ea", ecsi["description"], ecsi, 250, "EA", 10, 123),
                case("ecsi_plsc_da", plsc["description"], plsc, 250, "DA", 10, 123),
                case("simple_ea_loocv", "seminr's predict_pls example: Image, Expectation, Value -> Satisfaction, "
                     "mode-A composites, path weighting", simple, 250, "EA", None, None),
            ]}
    h.dump(HERE / "mobi.json", mobi)
    corp = h.CASES["corp_rep_ext"]
    h.dump(HERE / "corp_rep.json", {
        "generator": mobi["generator"], "data_file": "tests/reference/seminr/data/corp_rep_data.csv",
        "cases": [case("corp_rep_ext_da", corp["description"], corp, 344, "DA", 10, 2024)]})


if __name__ == "__main__":
    main()
    print(json.dumps({"written": ["mobi.json", "corp_rep.json"]}))
