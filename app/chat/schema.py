"""What the technician chat takes and gives: the HTTP contract of ``POST /v1/chat``.

Streaming (``?stream=true`` or ``Accept: text/event-stream``) sends server-sent events, in order:

* ``start``     ``{"conversation_id", "reasoner"}`` — once, first;
* ``token``     ``{"text"}`` — append to the answer (many);
* ``replace``   ``{"text"}`` — show this text as the answer (the LLM's answer failed its check and the
  offline answer replaces it). Sent before any ``token``: an LLM answer is streamed only once checked;
* ``citations`` ``{"answer", "citations", "grounded", "conversation_id", "links"}`` — last: the
  final answer as stored, with its sources;
* ``error``     ``{"detail"}`` — instead of ``citations`` when answering failed.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from app.agent.state import Cited
from app.intake.limits import NO_NUL

_MARKERS = re.compile(r"\s*\[\d+\]")


def without_markers(text: str) -> str:
    """``text`` without its ``[n]`` citation markers (which number one answer's own sources)."""
    return _MARKERS.sub("", text)


class ChatRequest(BaseModel):
    """A question, optionally about one charger or one vendor/model, optionally continuing a conversation."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"question": "What's wrong with CP-0042?", "charger_id": "CP-0042"},
                {"question": "RCD keeps tripping when charging starts", "vendor": "Kestrel"},
            ]
        },
    )
    question: str = Field(min_length=1, max_length=2000, pattern=NO_NUL)
    charger_id: str | None = Field(None, min_length=1, max_length=64, pattern=NO_NUL)
    vendor: str | None = Field(None, min_length=1, max_length=200, pattern=NO_NUL)
    model: str | None = Field(None, min_length=1, max_length=200, pattern=NO_NUL)
    conversation_id: str | None = Field(None, pattern=r"^[0-9a-f]{32}$")


ChatCitation = Cited
"""Passage ``[n]`` of the answer: where it comes from (source, title, page, section) and a snippet."""


class ChatLink(BaseModel):
    """Something the answer refers to that the technician can open (a pending approval, a fault)."""

    rel: str = Field(examples=["approval", "fault", "escalation"])
    href: str = Field(examples=["/v1/approvals?state=pending"])
    title: str


class ChatAnswer(BaseModel):
    """The answer, its numbered sources, and whether the manuals supported it."""

    answer: str
    citations: list[ChatCitation]
    conversation_id: str
    grounded: bool = Field(
        description="False when the manuals had nothing relevant: the answer says so instead of guessing."
    )
    links: list[ChatLink] = Field(default_factory=list)


class ChatStart(BaseModel):
    """``event: start``: the conversation the answer belongs to and who answers."""

    conversation_id: str
    reasoner: str = Field(examples=["extractive", "llm"])


class ChatText(BaseModel):
    """``event: token`` (append ``text``) or ``event: replace`` (show ``text`` instead)."""

    text: str


class ChatFailure(BaseModel):
    """``event: error``: answering failed after the stream began."""

    detail: str
