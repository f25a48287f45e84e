"""Code entries: what a manufacturer's document (or a standard) says about one error code.

Ingest reads every error table and troubleshooting text into :class:`CodeEntry` values, whatever
the layout (a CSV with its own headers, a Markdown table, a code as a heading, "Error 101 – …"
paragraphs, a definition list, LED blink patterns). An entry travels with the chunk it was read
from, so search, the agent, the chat and the console use the same understanding of a code.

Fields stay as the document words them; nothing here decides a fault class or an action
(that is the agent's classifier). ``safety`` is ``True`` only when the document itself flags the
entry (a safety column, a severity such as "critical", a DANGER label), ``False`` when it
explicitly says not safety-related, ``None`` when it says nothing.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from knowledge.codes import normalise_code


class Layout(StrEnum):
    """Where in a document an entry was read from (reported per document and in the eval)."""

    table = "table"
    """A delimited file (CSV/TSV) or a Markdown/HTML/PDF table: one row per code."""
    heading = "heading"
    """A code as a section heading, its text below it (``### E-101 Over-voltage``)."""
    paragraph = "paragraph"
    """A code at the start of a paragraph or list item (``Error 101 – …``, ``0x1A: …``)."""
    definition = "definition"
    """A definition list (``E12`` on one line, ``: meaning`` on the next)."""
    pattern = "pattern"
    """A signal pattern instead of a code (``3 red blinks``, ``LED flashes 4 times``)."""
    standard = "standard"
    """Built-in standard data (OCPP, ChargeX MREC, EVgo MREC, EVerest)."""


class RemedyStep(BaseModel):
    """One remedy step in the document's order; ``remote`` when it can be done from the backend
    (recognised from what it says: restart, reset, reboot, unlock, re-enable, clear, disable …)."""

    model_config = ConfigDict(frozen=True)
    text: str
    remote: bool = False


class CodeEntry(BaseModel):
    """One code as one document defines it (see the module docstring)."""

    model_config = ConfigDict(frozen=True)
    code: str = Field(description="The code as the document writes it (E-06, 0x1A, 101, RCM_TRIPPED).")
    aliases: list[str] = Field(default_factory=list, description="Other spellings or names it is sent as.")
    title: str = Field(default="", description="Short name of the fault.")
    meaning: str = Field(default="", description="What the code means, in the document's words.")
    causes: list[str] = Field(default_factory=list)
    steps: list[RemedyStep] = Field(default_factory=list, description="Remedy steps, in order.")
    safety: bool | None = None
    severity: str = ""
    category: str = ""
    responsible: str = ""
    ocpp: str = Field(default="", description="OCPP errorCode (or component/variable) the document gives.")
    layout: Layout = Layout.table
    locator: str = Field(default="", description="Where in the source: 'row 7', 'section 6.2', 'line 41'.")

    @property
    def remote_steps(self) -> list[str]:
        return [s.text for s in self.steps if s.remote]

    @property
    def onsite_steps(self) -> list[str]:
        return [s.text for s in self.steps if not s.remote]

    @property
    def remedy(self) -> str:
        """All steps as one text, in order."""
        return " ".join(_sentence(s.text) for s in self.steps)

    def spellings(self) -> list[str]:
        """The code and its aliases, as written."""
        return list(dict.fromkeys([self.code, *self.aliases]))

    def keys(self) -> set[str]:
        """Every normalised key of the code and its aliases (see :mod:`knowledge.codes`)."""
        found = (normalise_code(s) for s in self.spellings())
        return {key for keys in found if keys for key in keys.all()}

    def filled(self) -> dict[str, bool]:
        """Which fields the document gave (for the ingest coverage report)."""
        return {
            "title": bool(self.title),
            "meaning": bool(self.meaning),
            "causes": bool(self.causes),
            "remedy": bool(self.steps),
            "remote_step": any(s.remote for s in self.steps),
            "safety": self.safety is not None,
            "severity": bool(self.severity),
        }


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", ":")) else text + "."
