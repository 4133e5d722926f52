"""Build lavaan model syntax from a questionnaire's constructs and hypotheses."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .schema import Questionnaire


def build_model_syntax(q: Questionnaire, *, structural: bool = True, indirect: bool = True,
                       labels: bool = True) -> str:
    lines = [f"# {q.meta.id} {q.meta.version}: measurement model"]
    for c in q.constructs:
        items = [i.id for i in q.items_of(c.id)]
        lines.append(f"{c.id} =~ " + " + ".join(items))
    if structural and q.direct_hypotheses:
        lines.append("# structural model: one labelled path per hypothesis")
        for target in q.endogenous:
            terms = [f"{h.label}*{h.from_}" if labels else h.from_ for h in q.direct_hypotheses if h.to == target]
            lines.append(f"{target} ~ " + " + ".join(terms))
    if structural and indirect and labels and q.indirect_hypotheses:
        lines.append("# indirect effects (mediation hypotheses)")
        labels = {(h.from_, h.to): h.label for h in q.direct_hypotheses}
        for h in q.indirect_hypotheses:
            chain = h.chain
            product = "*".join(labels[(a, b)] for a, b in zip(chain, chain[1:], strict=False))
            lines.append(f"{h.label} := {product}")
    return "\n".join(lines) + "\n"
