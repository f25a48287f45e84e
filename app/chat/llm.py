"""The chat answer from an OpenAI-compatible model, streamed, then checked against its sources.

The model sees the numbered passages and the charger's records as quoted data (``prompts/chat.md``)
and the conversation's earlier turns as messages. Its answer is untrusted until :func:`check`
passes: it must cite at least one passage, only passages it was shown, or say ``NOT_IN_MANUALS``.
An answer that fails is replaced by the offline answer (see :mod:`app.chat.service`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from app.agent.llm import PromptedModel, ReasonerFailure, llm_errors, numbered
from app.chat.schema import without_markers
from app.observability import metrics
from app.store.models import ChatTurn
from knowledge.schema import Passage

NOT_FOUND = "NOT_IN_MANUALS"
"""What the prompt tells the model to answer when the passages do not answer the question."""
_MARKER = re.compile(r"\[(\d+)\]")
_EARLIER_TURNS = 4


class ChatLlm(PromptedModel):
    """Streams chat answers; ``max_retries`` retries apply only before the first token."""

    name = "llm"
    template_name = "chat.md"

    def messages(
        self, question: str, passages: Sequence[Passage], records: Sequence[str], turns: Sequence[ChatTurn]
    ) -> list[dict[str, str]]:
        """The system prompt with the data, the latest earlier turns (their ``[n]`` removed: they
        numbered other passages), then the question."""
        system = self.template.render(
            passages=numbered(list(passages)), records=list(records), not_found=NOT_FOUND
        )
        messages = [{"role": "system", "content": system}]
        for turn in turns[-_EARLIER_TURNS:]:
            messages.append({"role": "user", "content": turn.question})
            messages.append({"role": "assistant", "content": without_markers(turn.answer)})
        messages.append({"role": "user", "content": question})
        return messages

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        """The answer's text as it arrives. Raises :class:`ReasonerFailure` (``timeout``,
        ``http_error``, ``refused``, ``invalid_json`` for an empty or cut-off answer)."""
        for attempt in range(self.max_retries + 1):
            started = False
            try:
                for text in self._deltas(messages):
                    started = True
                    yield text
                if not started:
                    raise ReasonerFailure("invalid_json", "the model returned an empty answer")
                return
            except ReasonerFailure as failure:
                if started or failure.kind not in ("timeout", "http_error") or attempt == self.max_retries:
                    raise

    def _deltas(self, messages: list[dict[str, str]]) -> Iterator[str]:
        """The streamed answer's text pieces, at most ``max_tokens`` of them; asks for the token
        usage, sent in a last chunk. An answer cut off at ``max_tokens`` is ``invalid_json``: half
        a procedure is not an answer."""
        with metrics.llm_call("chat"), llm_errors():
            chunks = self.client.chat.completions.create(
                model=self.model,
                messages=messages,
                max_tokens=self.max_tokens,
                temperature=self.temperature,
                stream=True,
                stream_options={"include_usage": True},
            )
            for chunk in chunks:
                metrics.llm_usage("chat", getattr(chunk, "usage", None))
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                if choice.finish_reason == "content_filter" or getattr(choice.delta, "refusal", None):
                    raise ReasonerFailure(
                        "refused", getattr(choice.delta, "refusal", None) or "content filter"
                    )
                if choice.delta.content:
                    yield choice.delta.content
                if choice.finish_reason == "length":
                    raise ReasonerFailure(
                        "invalid_json", f"the answer was cut off at max_tokens ({self.max_tokens})"
                    )


def check(answer: str, count: int) -> list[int]:
    """The passage numbers ``answer`` cites, in order of first use; ``[]`` when it says
    :data:`NOT_FOUND`. Raises ``missing_citations`` when it cites nothing or a number outside 1..count."""
    if answer.strip().startswith(NOT_FOUND):
        return []
    numbers = list(dict.fromkeys(int(m) for m in _MARKER.findall(answer)))
    if not numbers:
        raise ReasonerFailure("missing_citations", "the answer cites no passage")
    outside = [n for n in numbers if not 1 <= n <= count]
    if outside:
        raise ReasonerFailure("missing_citations", f"citations {outside} are not passages 1..{count}")
    return numbers
