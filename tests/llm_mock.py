"""respx for the openai client: openai 3.x sends through ``httpx2``/``httpcore2``, which respx does
not patch, so this registers a respx mocker for ``httpcore2`` (``respx.mock(using="httpcore2")``).
Requests are matched and recorded by respx as usual; tests assert on ``route.calls``."""

from __future__ import annotations

import json
from typing import ClassVar

import httpcore2
import httpx
from respx.mocks import HTTPCoreMocker

LLM_URL = "http://llm.test/v1"


class HTTPCore2Mocker(HTTPCoreMocker):
    name = "httpcore2"
    targets: ClassVar[list[str]] = [t.replace("httpcore.", "httpcore2.", 1) for t in HTTPCoreMocker.targets]

    @classmethod
    def from_sync_httpx_response(cls, httpx_response, target, **kwargs):
        return httpcore2.Response(
            status=httpx_response.status_code,
            headers=httpx_response.headers.raw,
            content=httpx_response.stream,
            extensions=httpx_response.extensions,
        )


def streamed(*pieces: str, finish_reason: str | None = None) -> httpx.Response:
    """A chat-completions answer streamed as server-sent events, one chunk per piece; the last
    chunk carries ``finish_reason`` (``"length"``: the answer was cut off at ``max_tokens``)."""
    frames = []
    for n, piece in enumerate(pieces, start=1):
        chunk = {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "chat-model",
            "choices": [
                {
                    "index": 0,
                    "delta": {"content": piece},
                    "finish_reason": finish_reason if n == len(pieces) else None,
                }
            ],
        }
        frames.append(f"data: {json.dumps(chunk)}\n\n")
    frames.append("data: [DONE]\n\n")
    body = "".join(frames).encode()
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=httpx.ByteStream(body))


def sent_body(route, call: int = 0) -> dict:
    """The JSON body the service sent in the ``call``-th request to ``route``."""
    return json.loads(route.calls[call].request.content)


def sent_messages(route, call: int = 0) -> list[dict]:
    """The chat messages the service sent in the ``call``-th request to ``route``."""
    return sent_body(route, call)["messages"]
