"""The technician chat: question (+ charger) → retrieve (+ records) → cited answer, stored.

:meth:`ChatService.prepare` does everything that can refuse a request (unknown charger or
conversation) and the retrieval; :meth:`ChatService.events` then produces the answer as a stream
of events (see :mod:`app.chat.schema`) and stores the turn when it is complete. The chat only
reads: it has no way to execute, approve or reject an action.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import Engine

from app.agent.llm import ReasonerFailure
from app.agent.state import Cited
from app.chat import answer_text
from app.chat.charger import ChargerBrief, charger_brief
from app.chat.extract import CachedEmbed, Embed, Selection, said, select_lines
from app.chat.llm import ChatLlm, check
from app.chat.retrieve import gather
from app.chat.schema import ChatAnswer, ChatRequest
from app.settings import Settings
from app.store import chat as store
from app.store import queries
from app.store.db import read_scope, session_scope
from app.store.models import ChatTurn, Conversation, utcnow
from knowledge.schema import Passage

log = logging.getLogger("chargemedic.chat")
Search = Callable[..., list[Passage]]
Event = tuple[str, dict]

_MORE = re.compile(
    r"\b(doesn'?t|does not|didn'?t|did not|still|persists?|else|next|again|not (?:work|help))\b", re.I
)
_WHEN_NOT_FIXED = re.compile(
    r"\b(if|persists?|remains?|still|again|replace|contact|service|technician|escalat\w*|site visit)\b", re.I
)


class ChatError(Exception):
    """A request the chat refuses; ``status`` is the HTTP status, the message names the field."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Prepared:
    """A request with everything its answer needs, read before the first byte is sent."""

    request: ChatRequest
    conversation: Conversation
    new_conversation: bool
    turns: list[ChatTurn]
    brief: ChargerBrief | None
    passages: list[Passage]
    selection: Selection
    started: float = field(default_factory=time.perf_counter)

    @property
    def relevant(self) -> list[Passage]:
        return [self.passages[i] for i in self.selection.relevant]


class ChatService:
    """Answers questions from the corpus and the records; uses ``llm`` when given, else extracts."""

    def __init__(
        self,
        engine: Engine,
        *,
        search: Search,
        embed: Embed,
        llm: ChatLlm | None = None,
        passages: int = 5,
        min_similarity: float = 0.3,
        max_lines: int = 6,
        relatedness: Callable[[str], float] | None = None,
    ) -> None:
        self.engine = engine
        self.search = search
        self.relatedness = relatedness
        self.embed = CachedEmbed(embed)
        self.llm = llm
        self.k = passages
        self.min_similarity = min_similarity
        self.max_lines = max_lines

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        engine: Engine,
        search: Search,
        embed: Embed,
        relatedness: Callable[[str], float] | None = None,
    ) -> ChatService:
        """The chat the settings describe (``chat_*``; the LLM per ``chat_reasoner`` and ``llm_*``);
        ``relatedness`` (``Searcher.relatedness``) lets it tell off-topic questions apart."""
        use_llm = settings.chat_reasoner == "llm" or (
            settings.chat_reasoner == "auto" and settings.llm_base_url is not None
        )
        return cls(
            engine,
            search=search,
            embed=embed,
            llm=ChatLlm.from_settings(settings) if use_llm else None,
            passages=settings.chat_passages,
            min_similarity=settings.chat_min_similarity,
            max_lines=settings.chat_max_lines,
            relatedness=relatedness,
        )

    def prepare(self, request: ChatRequest, *, owner: str, admin: bool = False) -> Prepared:
        """Load the conversation and charger, retrieve and select. Raises :class:`ChatError` (404)
        for an unknown ``charger_id``, or a ``conversation_id`` unknown or started by another key."""
        started = time.perf_counter()
        now = utcnow()
        with read_scope(self.engine) as session:
            conversation, new = self._conversation(session, request, owner, admin)
            turns = [] if new else store.conversation_turns(session, conversation_id=conversation.id)
            brief = None
            if conversation.charger_id:
                charger = queries.get_charger(session, charger_id=conversation.charger_id)
                if charger is None:
                    raise ChatError(404, f"charger_id: no charger with id {conversation.charger_id!r}")
                brief = charger_brief(session, charger, now=now, earlier=[t.answer for t in turns])
        vendor = conversation.vendor or (brief.charger.vendor if brief else None)
        model = conversation.model or (brief.charger.model if brief else None)
        focus = " ".join(
            [request.question, *([turns[-1].question] if turns else []), *(brief.terms if brief else [])]
        )
        codes = tuple(brief.codes if brief else ())
        found = gather(
            self.search,
            focus,
            vendor=vendor,
            model=model,
            codes=codes,
            k=self.k,
            relatedness=self.relatedness,
        )
        passages = found.passages
        selection = select_lines(
            self.embed,
            focus,
            passages,
            min_similarity=self.min_similarity,
            max_lines=self.max_lines,
            codes=brief.codes if brief else (),
            already_said=said([t.answer for t in turns]),
            prefer=_WHEN_NOT_FIXED.search if turns and _MORE.search(request.question) else None,
            implied=found.implied,
            related=found.related,
        )
        return Prepared(request, conversation, new, turns, brief, passages, selection, started)

    def answer(self, prepared: Prepared) -> ChatAnswer:
        """The whole answer at once (the events, collected)."""
        final: dict = {}
        for name, data in self.events(prepared):
            if name == "citations":
                final = data
        return ChatAnswer.model_validate({k: final[k] for k in ChatAnswer.model_fields})

    def events(self, prepared: Prepared) -> Iterator[Event]:
        """``start``, ``token``…, maybe ``replace``, then ``citations`` (the stored answer)."""
        reasoner = "llm" if self.llm is not None and prepared.relevant else "extractive"
        yield "start", {"conversation_id": prepared.conversation.id, "reasoner": reasoner}
        offline = answer_text.offline(prepared.brief, prepared.passages, prepared.selection)
        fallback = None
        if reasoner == "llm":
            outcome = yield from self._llm_events(prepared, offline)
            final, fallback = outcome
        else:
            final = offline
            for piece in answer_text.pieces(offline.text):
                yield "token", {"text": piece}
        if fallback:
            log.warning(
                "chat answer for conversation %s fell back to extractive: %s",
                prepared.conversation.id,
                fallback,
            )
        self._store(
            prepared, final, "extractive" if fallback or reasoner == "extractive" else "llm", fallback
        )
        yield (
            "citations",
            {
                "answer": final.text,
                "citations": [c.model_dump() for c in final.citations],
                "grounded": final.grounded,
                "conversation_id": prepared.conversation.id,
                "links": [link.model_dump() for link in (prepared.brief.links if prepared.brief else [])],
            },
        )

    def _llm_events(self, prepared: Prepared, offline: answer_text.Answer):
        """The model's answer, streamed only once it passed :func:`check`: the whole text is
        collected first, so no unverified word reaches the technician (the first ``token`` comes
        when the model has finished). An answer that fails is never shown: the offline answer is
        sent in one ``replace`` event instead. Returns (final answer, fallback reason or None)."""
        passages = prepared.relevant
        records = prepared.brief.lines if prepared.brief else []
        messages = self.llm.messages(prepared.request.question, passages, records, prepared.turns)
        try:
            parts = list(self.llm.stream(messages))
            numbers = check("".join(parts), len(passages))
        except ReasonerFailure as failure:
            yield "replace", {"text": offline.text}
            return offline, str(failure)
        if not numbers:
            final = answer_text.not_found(prepared.brief)
            for piece in answer_text.pieces(final.text):
                yield "token", {"text": piece}
            return final, None
        for piece in parts:
            yield "token", {"text": piece}
        cited = [Cited.of(n, passages[n - 1]) for n in numbers]
        return answer_text.Answer("".join(parts).strip(), cited, True), None

    def _store(
        self, prepared: Prepared, final: answer_text.Answer, reasoner: str, fallback: str | None
    ) -> None:
        now = utcnow()
        turn = ChatTurn(
            conversation_id=prepared.conversation.id,
            question=prepared.request.question,
            answer=final.text,
            citations=[c.model_dump() for c in final.citations],
            grounded=final.grounded,
            reasoner=reasoner,
            fallback=fallback,
            latency_ms=round((time.perf_counter() - prepared.started) * 1000, 1),
            created_at=now,
        )
        with session_scope(self.engine) as session:
            store.save_turn(session, conversation=prepared.conversation, turn=turn)

    @staticmethod
    def _conversation(session, request: ChatRequest, owner: str, admin: bool) -> tuple[Conversation, bool]:
        if request.conversation_id is None:
            fresh = Conversation(
                id=uuid.uuid4().hex,
                owner=owner,
                charger_id=request.charger_id,
                vendor=request.vendor,
                model=request.model,
            )
            return fresh, True
        found = store.get_conversation(session, conversation_id=request.conversation_id)
        if found is None or (found.owner != owner and not admin):
            raise ChatError(404, f"conversation_id: no conversation {request.conversation_id!r} for this key")
        found.charger_id = request.charger_id or found.charger_id
        found.vendor = request.vendor or found.vendor
        found.model = request.model or found.model
        return found, False
