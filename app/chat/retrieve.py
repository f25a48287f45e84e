"""Where an offline answer's passages come from: the charger's own documents first, then the
vendor-neutral references.

Three searches, all scoped to the charger's vendor and model when they are known:

* its **own documents** (the vendor's manuals and bulletins for the model, table rows aside),
  sections whole, so that a procedure cut by a page break comes in one piece;
* its **code-table rows** — the candidates for a symptom, which :mod:`app.chat.extract` matches by
  what each row means; searched with the phrases the domain vocabulary says the question implies;
* the **vendor-neutral references** (OCPP, ChargeX), fewer of them, after the charger's own.

Without a known vendor the first and the last are one search over everything that applies.

A question is **related** to the corpus when its similarity to the corpus as a whole (``relatedness``,
see :mod:`knowledge.domain`) reaches :data:`MIN_RELATEDNESS`; an unrelated one is answered only
from the rows of codes it names, else "not covered" — however well one of its words matches a line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.chat.vocabulary import Vocabulary, bundled
from knowledge.schema import Passage

Search = Callable[..., list[Passage]]
OWN = 8
"""At least this many passages of the charger's own documents (short sections of one bulletin
or manual often resemble the question alike)."""
ROWS = 30
"""Code-table rows searched per question (a model's whole table, about)."""
STANDARD = 3
"""Vendor-neutral passages after the charger's own documents."""
MIN_RELATEDNESS = 0.065
"""Calibrated on the bundled corpus (evals/README.md, "Chat"): midway between the off-topic
questions that reach a fair similarity to some line (the Madrid sunset 0.053, the sun's surface
0.052) and the least related technician's question that the manuals answer (0.080)."""


@dataclass(frozen=True)
class Found:
    """The passages (own documents, rows, references; no repeats), the implied phrases, and
    whether the question is about what the corpus is about."""

    passages: list[Passage]
    implied: list[str]
    related: bool = True


def gather(
    search: Search,
    focus: str,
    *,
    vendor: str | None,
    model: str | None,
    codes: Sequence[str] = (),
    k: int = 5,
    vocabulary: Vocabulary | None = None,
    relatedness: Callable[[str], float] | None = None,
) -> Found:
    """The passages for ``focus`` (the question, with the earlier question and the charger's
    fault terms), see the module docstring; without ``relatedness`` every question is related."""
    implied = (vocabulary or bundled()).expansions(focus)
    scope = {"vendor": vendor, "model": model, "codes": tuple(codes)}
    text = {"whole_sections": True, "code_rows": "without"}
    own = search(focus, **scope, k=max(k, OWN), tier="own", **text) if vendor else []
    rows = search(" ".join([focus, *implied]), **scope, k=ROWS, tier="own" if own else None, code_rows="only")
    if own:  # the references' own rows (an OCPP errorCode the question names) may come too
        rest = search(focus, **scope, k=STANDARD, tier="standard", whole_sections=True)
    else:
        rest = search(focus, **scope, k=k, **text)
    unique = {p.id: p for p in [*own, *rows, *rest]}
    related = relatedness is None or relatedness(focus) >= MIN_RELATEDNESS
    return Found(list(unique.values()), implied, related)
