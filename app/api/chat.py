"""``POST /v1/chat``: technicians ask the manuals (and a charger's records); answers are cited.

Read-only: nothing here can execute, approve or reject an action.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from app.api.bodies import JsonRoute
from app.api.deps import Reader
from app.api.errors import GUARDED, problems
from app.chat.schema import ChatAnswer, ChatFailure, ChatRequest, ChatStart, ChatText
from app.chat.service import ChatError, ChatService, Prepared

log = logging.getLogger("chargemedic.api.chat")
router = APIRouter(prefix="/v1/chat", tags=["chat"], responses=GUARDED, route_class=JsonRoute)
EVENT_STREAM = "text/event-stream"


async def get_chat(request: Request) -> ChatService:
    return request.app.state.chat


ChatDep = Annotated[ChatService, Depends(get_chat)]


def _stream_schema() -> dict:
    """Each event's ``data``: a start, a text, the final answer or a failure (JSON)."""
    inline = [model.model_json_schema() for model in (ChatStart, ChatText, ChatFailure)]
    data = {"anyOf": [*inline, {"$ref": "#/components/schemas/ChatAnswer"}]}
    properties = {
        "event": {"type": "string", "enum": ["start", "token", "replace", "citations", "error"]},
        "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": data},
    }
    return {"itemSchema": {"type": "object", "properties": properties, "required": ["event", "data"]}}


@router.post(
    "",
    response_model=ChatAnswer,
    responses={
        200: {
            "description": "The answer; with `?stream=true` or `Accept: text/event-stream`, server-sent "
            "events: `start`, `token`…, `replace` (the model's answer withdrawn), `citations` last "
            "(the stored answer, as the JSON body would be).",
            "content": {EVENT_STREAM: _stream_schema()},
        },
        **problems(404),
    },
    summary="Ask the manuals a question, optionally about one charger; the answer cites its sources",
)
async def chat(
    body: ChatRequest,
    request: Request,
    caller: Reader,
    service: ChatDep,
    stream: Annotated[bool, Query(description="Stream the answer as server-sent events.")] = False,
):
    owner = f"key:{caller.key_id}"
    try:
        prepared = await asyncio.to_thread(service.prepare, body, owner=owner, admin=caller.role == "admin")
    except ChatError as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    if stream or EVENT_STREAM in request.headers.get("accept", ""):
        return StreamingResponse(
            _sse(service, prepared),
            media_type=EVENT_STREAM,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    return await asyncio.to_thread(service.answer, prepared)


def _sse(service: ChatService, prepared: Prepared) -> Iterator[str]:
    """The events as ``text/event-stream`` frames; a failure mid-answer ends with an ``error`` event."""
    try:
        for name, data in service.events(prepared):
            yield _frame(name, data)
    except Exception as exc:  # the status line is already sent: report in-band
        log.exception("chat answer failed (conversation %s)", prepared.conversation.id)
        yield _frame("error", {"detail": f"answering failed: {type(exc).__name__}"})


def _frame(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
