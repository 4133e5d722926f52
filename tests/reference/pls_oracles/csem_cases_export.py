"""Export sr.fit_pls estimates for cSEM's fit measures (csem_fit_measures.R); see README.md.

Run from the repository root: ``.venv/bin/python tests/reference/pls_oracles/csem_cases_export.py [out.json]``.
"""

import json
import sys

import pandas as pd

import stickiness_research as sr
from stickiness_research.pls.quality import model_fit


def main() -> None:
    mobi = sr.datasets.mobi()
    syn = '''
    Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    Expectation =~ CUEX1 + CUEX2 + CUEX3
    Value =~ PERV1 + PERV2
    Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    Loyalty =~ CUSL1 + CUSL2 + CUSL3
    Expectation ~ Image
    Value ~ Expectation
    Satisfaction ~ Image + Expectation + Value
    Loyalty ~ Satisfaction + Image'''
    corp = pd.read_csv("tests/reference/seminr/data/corp_rep_data.csv")
    csyn = '''
    QUAL <~ qual_1 + qual_2 + qual_3 + qual_4 + qual_5 + qual_6 + qual_7 + qual_8
    PERF <~ perf_1 + perf_2 + perf_3 + perf_4 + perf_5
    CSOR <~ csor_1 + csor_2 + csor_3 + csor_4 + csor_5
    ATTR <~ attr_1 + attr_2 + attr_3
    COMP =~ comp_1 + comp_2 + comp_3
    LIKE =~ like_1 + like_2 + like_3
    CUSA =~ cusa
    CUSL =~ cusl_1 + cusl_2 + cusl_3
    COMP + LIKE ~ QUAL + PERF + CSOR + ATTR
    CUSA ~ COMP + LIKE
    CUSL ~ COMP + LIKE + CUSA'''
    cases = {}
    for name, s, data, mv in [("mobi", syn, mobi, None), ("corp", csyn, corp, -99)]:
        for cons in (False, True):
            res = sr.fit_pls(s, data, consistent=cons, missing_value=mv)
            m, sol = res.model, res.solution
            types = {c: ("Common factor" if cons and m.modes[c] == "A" else "Composite") for c in m.constructs}
            cases[f"{name}_{'plsc' if cons else 'pls'}"] = dict(
                items=m.items, constructs=list(m.constructs), endo=m.endogenous,
                exo=[c for c in m.constructs if c not in m.endogenous], types=types,
                S=res._s().tolist(), L=sol.loadings.T.tolist(), P=sol.paths.T.tolist(), C=sol.construct_cor.tolist(),
                M=(sol.loadings.T != 0).astype(int).tolist())
            cases[f"{name}_{'plsc' if cons else 'pls'}"]["ours"] = model_fit(res).to_dict()
    with open(sys.argv[1] if len(sys.argv) > 1 else "/tmp/csemcheck/cases.json", "w") as fh:
        json.dump(cases, fh)


if __name__ == "__main__":
    main()
