"""`make bench-chat`: the technician chat — offline answer latency and quality, and time to the
first checked token with an LLM.

The bundled corpus is ingested into a temporary store. Questions: the 82 labelled retrieval
queries (``evals/retrieval/*.jsonl``, each with the document it must find) and the questions no
manual answers (``evals/chat/off_topic.txt``).

* Offline latency: question → complete stored answer through ``ChatService`` (retrieval, line
  selection with the real MiniLM model, database write), cold (each question's lines not yet
  embedded) and warm (asked again).
* Quality: share of labelled questions answered grounded, citing the expected document; share of
  off-topic questions answered "not covered" (``grounded: false``).
* Time to first checked token: the real app served by uvicorn, ``POST /v1/chat?stream=true`` over
  HTTP, the LLM a local OpenAI-compatible stub that streams a cited answer in two chunks 20 ms apart.
  The service sends no token of an LLM answer before the whole answer has arrived and its citations
  are checked, so the figure is the service's own latency plus the stub's whole answer (~20 ms) —
  with a real model, add its complete generation time, not just its first token's.

Report: evals/reports/bench_chat.md; ``--json PATH`` also writes the measures.
"""

from __future__ import annotations

import json
import socket
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from evals.bundled import bundled
from evals.measures import Measure, bench_main

HERE = Path(__file__).parent
REPORT = HERE / "reports" / "bench_chat.md"
GROUP = "chat"
TTFT_ROUNDS = 30


def main(argv: list[str] | None = None) -> int:
    return bench_main(run, __doc__, argv)


def labelled() -> list[dict]:
    rows = []
    for path in sorted((HERE / "retrieval").glob("*.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def off_topic() -> list[str]:
    lines = (HERE / "chat" / "off_topic.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def run() -> list[Measure]:
    from app.chat.schema import ChatRequest
    from app.chat.service import ChatService

    with tempfile.TemporaryDirectory() as tmp:
        parts = bundled(Path(tmp), gateway=False, workers=0)
        settings, embed, searcher, engine = parts.settings, parts.embed, parts.searcher, parts.engine
        service = ChatService.from_settings(
            settings, engine=engine, search=searcher.search, embed=embed, relatedness=searcher.relatedness
        )
        service.answer(service.prepare(ChatRequest(question="warm-up: what is OCPP?"), owner="bench"))

        def ask(question: str, vendor=None, model=None):
            request = ChatRequest(question=question, vendor=vendor, model=model)
            started = time.perf_counter()
            answer = service.answer(service.prepare(request, owner="bench"))
            return answer, (time.perf_counter() - started) * 1000

        questions = labelled()
        cold = [ask(q["query"], q["vendor"], q["model"]) for q in questions]
        warm = [ask(q["query"], q["vendor"], q["model"])[1] for q in questions]
        refused = [ask(q)[0] for q in off_topic()]
        ttft = first_token_latency(settings, engine, searcher)
    grounded = sum(a.grounded for a, _ in cold) / len(cold)
    found = sum(
        any(c.source.startswith(q["expect"]["source_prefix"]) for c in a.citations)
        for q, (a, _) in zip(questions, cold, strict=True)
    ) / len(cold)
    measures = [
        *_percentiles("offline answer (cold)", [ms for _, ms in cold]),
        *_percentiles("offline answer (warm)", warm),
        Measure(GROUP, "labelled questions answered grounded", grounded, ""),
        Measure(GROUP, "labelled questions citing the expected document", found, ""),
        Measure(
            GROUP,
            "off-topic questions answered 'not covered'",
            sum(not a.grounded for a in refused) / len(refused),
            "",
        ),
        *_percentiles("time to first checked token (LLM stub, HTTP)", ttft),
    ]
    text = report(measures, len(questions), len(refused))
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(text, encoding="utf-8")
    print(text)
    return measures


def _percentiles(name: str, values: list[float]) -> list[Measure]:
    ordered = sorted(values)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return [
        Measure(GROUP, f"{name}, p50", statistics.median(ordered), "ms"),
        Measure(GROUP, f"{name}, p95", p95, "ms"),
    ]


def first_token_latency(settings, engine, searcher) -> list[float]:
    """ms from sending ``POST /v1/chat?stream=true`` to reading its first ``token`` event (sent once
    the stub's whole answer has been checked)."""
    import asyncio

    import httpx
    import uvicorn

    from app.main import create_app
    from app.store.db import session_scope
    from app.store.keys import create_key

    with session_scope(engine) as session:
        key = create_key(session, role="technician", name="bench")[1]
    llm = _stub_llm()
    port = _free_port()
    app_settings = settings.model_copy(
        update={
            "llm_base_url": f"http://127.0.0.1:{llm.server_port}/v1",
            "chat_reasoner": "llm",
            "llm_max_retries": 0,
        }
    )
    app = create_app(app_settings, engine=engine, searcher=searcher, processor=lambda job: None)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)

    async def measure() -> list[float]:
        headers = {"Authorization": f"Bearer {key}"}
        body = {"question": "How do I free a cable stuck in an H7 Duo socket?", "vendor": "Helios"}
        times = []
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for round_ in range(TTFT_ROUNDS + 1):
                started = time.perf_counter()
                async with client.stream(
                    "POST", "/v1/chat?stream=true", json=body, headers=headers
                ) as response:
                    async for line in response.aiter_lines():
                        if line == "event: token":
                            if round_:  # round 0 warms up
                                times.append((time.perf_counter() - started) * 1000)
                            break
        return times

    try:
        return asyncio.run(measure())
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        llm.shutdown()


class _StubLLM(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat endpoint streaming a cited answer: first chunk at once, then 20 ms apart."""

    PIECES = ("Send UnlockConnector while the driver pushes the plug in [1].", " Then check the latch [2].")

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        for piece in self.PIECES:
            chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "stub"}
            chunk["choices"] = [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
            time.sleep(0.02)
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args) -> None:
        pass


def _stub_llm() -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StubLLM)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def report(measures: list[Measure], labelled_count: int, off_topic_count: int) -> str:
    lines = [
        "# chargemedic chat benchmark (bundled corpus, MiniLM on the CPU, SQLite)",
        "",
        f"{labelled_count} labelled questions (evals/retrieval), {off_topic_count} off-topic questions "
        "(evals/chat/off_topic.txt); time to the first checked token over real HTTP with a local LLM stub "
        f"({TTFT_ROUNDS} rounds).",
        "",
        "| measure | value |",
        "|---|---|",
    ]
    for m in measures:
        value = f"{m.value:.1f} ms" if m.unit == "ms" else f"{m.value:.3f}"
        lines.append(f"| {m.name} | {value} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
