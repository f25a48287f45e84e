"""The LLM reasoner: an OpenAI-compatible chat model diagnoses the fault from cited passages.

The model's answer is untrusted output. It is asked for a strict JSON schema, and then checked here
again (Ollama and vLLM may ignore the schema): the action must be an :class:`Action` member, every
citation must name a passage that was shown. Any answer that cannot be used raises
:class:`ReasonerFailure`, and the pipeline falls back to the playbook; no unvalidated action leaves
this module.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, Self

import jinja2
import openai
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.agent.state import ChargerFacts, Cited, Diagnosis, FaultClass, FaultFacts, History, Reasoning
from app.guard.actions import Action, ActionParams, Proposal
from app.observability import metrics
from app.settings import PROJECT_ROOT, Settings
from knowledge.schema import Passage

log = logging.getLogger("chargemedic.agent.llm")

FAILURE_KINDS = frozenset(
    {"timeout", "http_error", "invalid_json", "schema", "unknown_action", "missing_citations", "refused"}
)
RETRYABLE = frozenset({"timeout", "http_error", "invalid_json"})
"""Failures a second call may not repeat; a wrong answer to the same prompt is not retried."""
SNIPPET_CHARS = 200
_MARKER = re.compile(r"\[(\d+)\]")


class ReasonerFailure(Exception):
    """Why the LLM's answer cannot be used; `kind` is one of: timeout, http_error, invalid_json, schema,
    unknown_action, missing_citations, refused."""

    def __init__(self, kind: str, detail: str):
        if kind not in FAILURE_KINDS:
            raise ValueError(f"unknown ReasonerFailure kind {kind!r}")
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


def openai_client(settings: Settings) -> openai.OpenAI:
    """The client for the configured OpenAI-compatible endpoint; its own retries are off (callers retry)."""
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
    return openai.OpenAI(
        base_url=settings.llm_base_url,
        api_key=key or "none",
        timeout=settings.llm_timeout_seconds,
        max_retries=0,
    )


def prompt_template(prompts_dir: Path, name: str) -> jinja2.Template:
    """A prompt template; data enters templates only through ``tojson``, so nothing is HTML-escaped."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(prompts_dir),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template(name)


class PromptedModel:
    """A model behind an OpenAI-compatible endpoint, prompted with ``prompts/<template_name>``.

    ``client`` should have its own retries off (``max_retries=0``): subclasses retry up to
    ``max_retries`` times, and only where a retry can help. Every request carries ``max_tokens``
    and ``temperature`` (a model that loops stops at the bound instead of running into the
    time-out); ``response_format`` is what a JSON answer is asked for with: ``json_schema`` (the
    strict schema), ``json_object`` (any JSON) or ``none`` (nothing: the prompt asks for JSON).
    """

    template_name: ClassVar[str]

    def __init__(
        self,
        client: openai.OpenAI,
        *,
        model: str,
        prompts_dir: Path,
        max_retries: int = 1,
        max_tokens: int = 512,
        temperature: float = 0.0,
        response_format: str = "json_schema",
    ):
        self.client = client
        self.model = model
        self.max_retries = max_retries
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.response_format = response_format
        self.template = prompt_template(prompts_dir, self.template_name)

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """The model the settings describe (`llm_*` keys), with the bundled `prompts/`."""
        return cls(
            openai_client(settings),
            model=settings.llm_model,
            prompts_dir=PROJECT_ROOT / "prompts",
            max_retries=settings.llm_max_retries,
            max_tokens=settings.llm_max_tokens,
            temperature=settings.llm_temperature,
            response_format=settings.llm_response_format,
        )


def numbered(passages: list[Passage]) -> list[dict[str, Any]]:
    """Passages as the prompts show them: ``[n]`` from 1, with title, page, section, text and the
    code entry ingest read from it (code, steps marked remote or on-site, safety flags), if any."""
    return [
        {
            "n": n,
            "title": p.citation.title,
            "page": p.citation.page,
            "section": p.citation.section,
            "text": p.text,
            "entry": p.entry.model_dump(mode="json", exclude_defaults=True) if p.entry else None,
        }
        for n, p in enumerate(passages, start=1)
    ]


@contextlib.contextmanager
def llm_errors() -> Iterator[None]:
    """Turn the client's time-outs, HTTP and connection errors into :class:`ReasonerFailure`."""
    try:
        yield
    except openai.APITimeoutError as err:
        raise ReasonerFailure("timeout", str(err)) from err
    except openai.APIStatusError as err:
        raise ReasonerFailure("http_error", f"HTTP {err.status_code}: {err.message}") from err
    except openai.APIConnectionError as err:
        raise ReasonerFailure("http_error", str(err)) from err


class _Answer(BaseModel):
    """The answer's shape, validated here whatever the server enforced; `action` is checked apart."""

    model_config = ConfigDict(extra="forbid", strict=True)
    fault_class: FaultClass
    summary: str = Field(min_length=1)
    likely_cause: str = Field(min_length=1, max_length=2000)
    evidence: list[str]
    remedy: str = Field(min_length=1)
    citations: list[int]
    action: str
    connector_id: int | None = Field(ge=0, le=2**31 - 1)
    evse_id: int | None = Field(ge=0, le=2**31 - 1)
    escalate: bool
    confidence: float = Field(ge=0.0, le=1.0)


def response_format() -> dict[str, Any]:
    """The strict JSON schema requested from the server; its enums are the allowlist and the classes."""
    string = {"type": "string"}
    nullable_int = {"type": ["integer", "null"], "minimum": 0}
    properties = {
        "fault_class": {"type": "string", "enum": [c.value for c in FaultClass]},
        "summary": string,
        "likely_cause": string,
        "evidence": {"type": "array", "items": string},
        "remedy": string,
        "citations": {"type": "array", "items": {"type": "integer", "minimum": 1}},
        "action": {"type": "string", "enum": [a.value for a in Action]},
        "connector_id": nullable_int,
        "evse_id": nullable_int,
        "escalate": {"type": "boolean"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    }
    schema = {"type": "object", "properties": properties, "required": list(properties)}
    schema["additionalProperties"] = False
    return {"type": "json_schema", "json_schema": {"name": "diagnosis", "strict": True, "schema": schema}}


class LlmReasoner(PromptedModel):
    """Diagnoses through an OpenAI-compatible chat endpoint; see :class:`app.agent.state.Reasoner`.

    Retries up to ``max_retries`` times, only on time-outs, HTTP errors and non-JSON content.
    """

    name = "llm"
    template_name = "diagnose.md"

    def prompt(
        self, fault: FaultFacts, charger: ChargerFacts, history: History, passages: list[Passage]
    ) -> str:
        """The rendered prompt; fault, charger, history and passage texts enter it only as JSON data."""
        return self.template.render(
            fault=fault.model_dump(mode="json"),
            charger=charger.model_dump(mode="json"),
            history=history.model_dump(mode="json"),
            passages=numbered(passages),
            actions=[a.value for a in Action],
            fault_classes=[c.value for c in FaultClass],
        )

    def reason(
        self, fault: FaultFacts, charger: ChargerFacts, history: History, passages: list[Passage]
    ) -> Reasoning:
        """Ask the model, validate its answer, and map it to a diagnosis and one allowlisted proposal.

        Raises :class:`ReasonerFailure` when no usable answer came within ``1 + max_retries`` calls.
        ``usage`` sums the tokens of every answered call.
        """
        messages = [{"role": "user", "content": self.prompt(fault, charger, history, passages)}]
        usage: dict[str, int] = {}
        for attempt in range(self.max_retries + 1):
            try:
                with metrics.llm_call("diagnosis"):
                    answer = _parse(self._complete(messages, usage))
                    return _reasoning(answer, fault, history, passages, usage)
            except ReasonerFailure as failure:
                log.warning("LLM attempt %d for fault %s failed: %s", attempt + 1, fault.id, failure)
                if failure.kind not in RETRYABLE or attempt == self.max_retries:
                    raise
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _complete(self, messages: list[dict[str, str]], usage: dict[str, int]) -> str:
        """One chat call, bounded by ``max_tokens``; returns the content, adds its token counts to
        ``usage``. An answer cut off at ``max_tokens`` is ``invalid_json``, said so."""
        formats = {"json_schema": response_format(), "json_object": {"type": "json_object"}}
        requested = {"response_format": formats[f]} if (f := self.response_format) in formats else {}
        with llm_errors():
            response = self.client.chat.completions.create(
                model=self.model,
                messages=messages,
                max_tokens=self.max_tokens,
                temperature=self.temperature,
                **requested,
            )
        metrics.llm_usage("diagnosis", response.usage)
        if response.usage is not None:
            for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
                usage[key] = usage.get(key, 0) + (getattr(response.usage, key, 0) or 0)
        if not response.choices:
            raise ReasonerFailure("invalid_json", "the response has no choices")
        choice = response.choices[0]
        if choice.message.refusal or choice.finish_reason == "content_filter":
            raise ReasonerFailure("refused", choice.message.refusal or "content filter")
        if choice.finish_reason == "length":
            raise ReasonerFailure("invalid_json", f"the answer was cut off at max_tokens ({self.max_tokens})")
        if not choice.message.content:
            raise ReasonerFailure("invalid_json", f"empty content (finish_reason {choice.finish_reason})")
        return choice.message.content


def _parse(content: str) -> _Answer:
    """The answer as JSON, then as :class:`_Answer`, then its action against the allowlist."""
    try:
        answer = _Answer.model_validate_json(content)
    except ValidationError as err:
        if any(e["type"] == "json_invalid" for e in err.errors()):
            raise ReasonerFailure("invalid_json", f"not JSON: {content[:80]!r}") from err
        raise ReasonerFailure("schema", str(err)) from err
    if answer.action not in {a.value for a in Action}:
        raise ReasonerFailure("unknown_action", f"{answer.action!r} is not an allowlisted action")
    return answer


def _cited_numbers(answer: _Answer, count: int) -> list[int]:
    """Passage numbers cited in ``citations`` and as ``[n]`` in the text, all within 1..count."""
    texts = [answer.summary, answer.likely_cause, answer.remedy, *answer.evidence]
    inline = {int(m) for text in texts for m in _MARKER.findall(text)}
    numbers = set(answer.citations) | inline
    if not answer.citations:
        raise ReasonerFailure("missing_citations", "the answer cites no passage")
    if not _MARKER.search(answer.remedy):
        raise ReasonerFailure("missing_citations", "the remedy cites no passage")
    outside = sorted(n for n in numbers if not 1 <= n <= count)
    if outside:
        raise ReasonerFailure("missing_citations", f"citations {outside} are not passages 1..{count}")
    return sorted(numbers)


def _reasoning(
    answer: _Answer, fault: FaultFacts, history: History, passages: list[Passage], usage: dict[str, int]
) -> Reasoning:
    """The validated answer as a :class:`Reasoning`; ``recurring`` is not the model's to say: the
    diagnose node applies :func:`app.agent.recurrence.assess` to every reasoner's diagnosis."""
    numbers = _cited_numbers(answer, len(passages))
    try:
        diagnosis = Diagnosis(
            fault_class=answer.fault_class,
            summary=answer.summary,
            likely_cause=answer.likely_cause,
            evidence=answer.evidence,
            remedy=answer.remedy,
            citations=[Cited.of(n, passages[n - 1], SNIPPET_CHARS) for n in numbers],
        )
        proposal = Proposal(
            action=Action(answer.action),
            params=ActionParams(connector_id=answer.connector_id, evse_id=answer.evse_id),
            escalate=answer.escalate,
            confidence=answer.confidence,
            reason=answer.likely_cause,
        )
    except ValidationError as err:
        raise ReasonerFailure("schema", str(err)) from err
    return Reasoning(diagnosis=diagnosis, proposal=proposal, reasoner=LlmReasoner.name, usage=usage)
