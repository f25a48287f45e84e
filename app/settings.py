"""All configuration, read once from ``CHARGEMEDIC_*`` environment variables (or ``.env``).

This is the only module that reads the environment. Every field's description is the text of
the README's configuration table (``chargemedic settings --markdown`` regenerates it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = PROJECT_ROOT / "knowledge" / "corpus"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CHARGEMEDIC_",
        env_file=".env",
        extra="ignore",
        validate_default=True,
        env_ignore_empty=True,  # `X=` (compose passes unset variables so) means the default
    )

    data_dir: Path = Field(
        Path("data"), description="Folder for the SQLite file and the embedded Chroma store."
    )
    chroma_url: str | None = Field(
        None,
        description="Chroma server URL (e.g. `http://chroma:8000`); unset = embedded in `data_dir/chroma`.",
    )
    corpus_dirs: list[Path] = Field(
        default_factory=lambda: [BUNDLED_CORPUS],
        description="Corpus folders `make run` ingests (JSON list). Default: the bundled corpus.",
    )
    embed_threads: int = Field(2, ge=1, le=64, description="CPU threads for the embedding model.")
    embed_batch_size: int = Field(32, ge=1, le=512, description="Texts per embedding batch.")
    chunk_tokens: int = Field(
        256,
        ge=64,
        le=256,
        description="Maximum tokens per chunk, heading context included (model limit 256).",
    )
    chunk_overlap_tokens: int = Field(
        32, ge=0, le=128, description="Tokens repeated between consecutive chunks of a section."
    )
    search_refresh_seconds: float = Field(
        5.0, ge=0, description="How often a running service checks the store for a newer ingest."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL, e.g. `postgresql+psycopg://user:pw@db/chargemedic`; "
        "unset = SQLite at `data_dir/chargemedic.db`.",
    )
    workers: int = Field(2, ge=0, le=64, description="Queue workers per process (0 = accept events only).")
    lease_seconds: float = Field(
        30.0, gt=0, le=3600, description="How long a worker owns a fault before another may take it over."
    )
    max_attempts: int = Field(
        5, ge=1, le=100, description="Processing attempts before a fault is parked as `failed`."
    )
    retry_backoff_seconds: float = Field(
        2.0, ge=0, le=3600, description="Delay before a failed attempt is retried (doubles each time)."
    )
    auth_cache_seconds: float = Field(
        5.0,
        ge=0,
        le=300,
        description="How long a verified API key is trusted without a database read; a key revoked "
        "with `chargemedic keys revoke` stops working within this time (0 = check every request).",
    )
    rate_limit_per_minute: int = Field(
        600,
        ge=0,
        le=10_000_000,
        description="Requests per minute one `technician` or `admin` API key may make on average (web "
        "console included; a token bucket per key, by the key's hash); beyond it the answer is 429 with "
        "`Retry-After`. Counted in each service process: with several processes or replicas each allows "
        "this many. 0 = no limit.",
    )
    rate_limit_burst: int = Field(
        120,
        ge=1,
        le=10_000_000,
        description="Requests a `technician` or `admin` key may make at once beyond its average rate "
        "(the size of its token bucket).",
    )
    rate_limit_csms_per_minute: int = Field(
        120_000,
        ge=0,
        le=100_000_000,
        description="Requests per minute one `csms` key may make on average (429 with `Retry-After` "
        "beyond). The default, 2,000 a second, is above what one process records (about 1,700 events "
        "a second on SQLite), so it never slows a CSMS; it bounds a runaway or leaked key. Counted in each "
        "service process. 0 = no limit.",
    )
    rate_limit_csms_burst: int = Field(
        10_000,
        ge=1,
        le=100_000_000,
        description="Requests a `csms` key may make at once beyond its average rate (its token "
        "bucket's size).",
    )
    auth_failures_per_minute: int = Field(
        10,
        ge=0,
        le=1_000_000,
        description="Failed authentications (an unknown, malformed or revoked API key, from the API, the "
        "console or its login form) one client address may make per minute, in bursts of as many; beyond "
        "it every request from that address carrying a key gets 429 until the budget refills. IPv6 "
        "addresses count per /64. Counted in each service process. Behind a reverse proxy the address is "
        "the one it forwards (uvicorn trusts `X-Forwarded-For` from `FORWARDED_ALLOW_IPS`, default "
        "127.0.0.1). 0 = no limit.",
    )
    intake_batch: int = Field(
        256, ge=1, le=10_000, description="Most events committed together in one intake transaction."
    )
    reasoner: Literal["playbook", "llm"] = Field(
        "playbook",
        description="Who diagnoses: the offline deterministic `playbook`, or an OpenAI-compatible `llm` "
        "(falls back to the playbook on any failure).",
    )
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint, e.g. `http://localhost:11434/v1` (Ollama, vLLM)."
    )
    llm_api_key: SecretStr | None = Field(None, description="API key for the LLM endpoint (never logged).")
    llm_model: str = Field("gpt-4o-mini", description="Model name sent to the LLM endpoint.")
    llm_timeout_seconds: float = Field(
        120.0,
        gt=0,
        le=600,
        description="Time-out per LLM call (each retry has its own). Sized for models served on a "
        "few CPU cores (llama.cpp, Ollama), which take tens of seconds to read a diagnosis prompt (a "
        "few thousand tokens) and write up to `llm_max_tokens`: 20 s cut off most such calls. A GPU "
        "or hosted model answers in seconds: lower it there to fall back sooner.",
    )
    llm_max_retries: int = Field(1, ge=0, le=5, description="Retries of a failed LLM call, then fallback.")
    llm_max_tokens: int = Field(
        512,
        ge=64,
        le=32768,
        description="Most tokens the model may write per answer (`max_tokens`, sent with every call). "
        "A diagnosis or a chat answer needs about 150–400; the bound stops a model that loops long "
        "before the time-out. An answer cut off at it counts as `invalid_json` and falls back.",
    )
    llm_temperature: float = Field(
        0.0,
        ge=0,
        le=2,
        description="Sampling temperature sent with every call; 0 = the model's most likely answer, so "
        "the same fault gets the same diagnosis.",
    )
    llm_response_format: Literal["json_schema", "json_object", "none"] = Field(
        "json_schema",
        description="How the diagnosis asks for JSON: `json_schema` (the strict schema, whose action "
        "enum is the allowlist: OpenAI, llama.cpp `llama-server`, Ollama ≥ 0.5, vLLM), `json_object` "
        "(any JSON: servers without schemas, e.g. `llama-cpp-python`'s server), `none` (no "
        "`response_format`: servers that reject it). The answer is validated here either way.",
    )
    chat_reasoner: Literal["auto", "extractive", "llm"] = Field(
        "auto",
        description="Who answers the chat: `extractive` (offline: the manuals' own sentences, cited), "
        "`llm` (needs `llm_base_url`; falls back to extractive on any failure), "
        "`auto` = `llm` when `llm_base_url` is set.",
    )
    chat_passages: int = Field(5, ge=1, le=20, description="Passages retrieved per chat question.")
    chat_min_similarity: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Cosine similarity a passage needs to the question to count as relevant; below it "
        "for all passages, the chat says the manuals do not cover the question (`grounded: false`).",
    )
    chat_max_lines: int = Field(
        6, ge=1, le=30, description="Most sentences or steps in an offline chat answer."
    )
    playbook_path: Path | None = Field(
        None,
        description="Fault classes and first steps (YAML); unset = bundled `app/agent/playbook.yaml`.",
    )
    policy_path: Path | None = Field(
        None, description="Guard policy (YAML); unset = the bundled `app/guard/policy.yaml`."
    )
    recurrence_count: int = Field(
        3,
        ge=1,
        le=1000,
        description="A fault recurs when its charger reported it (or its class) this many times in the "
        "recurrence window; reaching it re-runs the diagnosis of an open fault.",
    )
    recurrence_window_seconds: float = Field(
        86400, gt=0, description="The window `recurrence_count` counts over (and failed actions within)."
    )
    history_window_seconds: float = Field(
        7 * 86400, gt=0, description="How far back the agent reads a charger's faults and actions."
    )
    processes: int = Field(
        1,
        ge=1,
        le=64,
        description="Service processes sharing the port, each with its own intake writer and queue "
        "workers; more than 1 suits PostgreSQL (SQLite has a single write lock).",
    )
    gateway: bool = Field(True, description="Serve the OCPP-J gateway (chargers connect over websockets).")
    ocpp_host: str = Field("127.0.0.1", description="Address the OCPP gateway binds to.")
    ocpp_port: int = Field(
        9000, ge=0, le=65535, description="Port of the OCPP gateway (`ws://host:port/ocpp/{charger_id}`)."
    )
    ocpp_auto_register: bool = Field(
        False,
        description="Admit chargers that are not registered: the first connection registers the charger "
        "and the Basic-auth password it presented (trust on first use). Off: unknown chargers are refused.",
    )
    ocpp_tls_cert: Path | None = Field(
        None,
        description="PEM certificate chain for `wss://` (OCPP security profile 2); unset = plain `ws://`.",
    )
    ocpp_tls_key: Path | None = Field(None, description="PEM private key for `ocpp_tls_cert`.")
    ocpp_call_timeout_seconds: float = Field(
        30.0, gt=0, le=600, description="How long a command waits for the charger's answer (then `timeout`)."
    )
    ocpp_heartbeat_seconds: int = Field(
        300,
        ge=10,
        le=86400,
        description="Heartbeat interval given to chargers in the BootNotification answer.",
    )
    ocpp_max_message_bytes: int = Field(
        65536, ge=1024, le=16 * 1024 * 1024, description="Largest OCPP frame accepted from a charger."
    )
    ocpp_messages_per_minute: int = Field(
        300,
        ge=0,
        le=1_000_000,
        description="Messages one charger connection may send per minute; beyond it each call is answered "
        "with a CallError (`GenericError`), and a charger that sends as many again within the minute is "
        "disconnected (close code 1008, policy violation; logged and audited). 0 = no limit.",
    )
    ocpp_auth_failures_per_minute: int = Field(
        10,
        ge=0,
        le=1_000_000,
        description="Failed OCPP handshakes (wrong password, unknown charger) one client address may make "
        "per minute for one charger id, in bursts of as many; beyond it that charger id is refused from "
        "that address with 429 until the budget refills (bounds password guessing and the cost of "
        "checking passwords). Counted in each service process. 0 = no limit.",
    )
    ocpp_open_timeout_seconds: float = Field(
        10.0, gt=0, le=300, description="How long a charger has to complete the websocket handshake."
    )
    relay_poll_seconds: float = Field(
        1.0,
        gt=0,
        le=60,
        description="How often a replica looks for commands other replicas relay to the chargers it holds "
        "(PostgreSQL also wakes it at once with LISTEN/NOTIFY; on SQLite this is the delay).",
    )
    node_heartbeat_seconds: float = Field(
        10.0,
        gt=0,
        le=600,
        description="How often a replica records that its OCPP gateway is alive; one silent for 3× this "
        "is treated as gone (its chargers count as not connected; nothing is relayed to it).",
    )
    executor: Literal["auto", "ocpp", "csms_webhook", "dry_run"] = Field(
        "auto",
        description="Who carries actions to chargers: `auto` = the OCPP gateway when the charger is "
        "connected to it, else the CSMS webhook when configured, else `not_connected` (escalated); "
        "`dry_run` sends nothing and records what would have been sent.",
    )
    csms_webhook_url: str | None = Field(
        None, description="CSMS endpoint that carries commands to chargers it holds (HMAC-signed POST)."
    )
    csms_webhook_secret: SecretStr | None = Field(
        None, description="Shared secret signing CSMS webhook requests (`X-Chargemedic-Signature`)."
    )
    csms_webhook_timeout_seconds: float = Field(
        15.0, gt=0, le=600, description="Time-out of one CSMS webhook request."
    )
    csms_webhook_retries: int = Field(
        3, ge=0, le=10, description="Retries of a CSMS webhook request that failed to reach the CSMS."
    )
    verify_window_seconds: float = Field(
        300.0,
        gt=0,
        le=86400,
        description="How long after an action the charger has to show recovery before the fault is "
        "escalated as not fixed.",
    )
    verify_poll_seconds: float = Field(
        1.0, gt=0, le=60, description="How often verification checks the actions it is waiting on."
    )
    escalation_webhook_url: str | None = Field(
        None, description="Ticketing endpoint escalations are delivered to (HMAC-signed JSON POST)."
    )
    escalation_webhook_secret: SecretStr | None = Field(
        None, description="Shared secret signing escalation deliveries (`X-Chargemedic-Signature`)."
    )
    escalation_webhook_timeout_seconds: float = Field(
        10.0, gt=0, le=600, description="Time-out of one escalation delivery."
    )
    escalation_webhook_max_attempts: int = Field(
        8, ge=1, le=100, description="Delivery attempts before an escalation is parked as `dead_letter`."
    )
    escalation_webhook_backoff_seconds: float = Field(
        5.0, ge=0, le=3600, description="Delay before the second delivery attempt (doubles each time, ≤ 1 h)."
    )
    host: str = Field("127.0.0.1", description="Address the HTTP API binds to.")
    port: int = Field(8080, ge=1, le=65535, description="Port of the HTTP API.")
    max_request_bytes: int = Field(
        1_048_576,
        ge=1024,
        le=1024**3,
        description="Largest HTTP request body accepted, by its Content-Length or counted as it arrives "
        "(chunked); a larger one gets 413. One event is a few kB (an OCPP frame at most "
        "`ocpp_max_message_bytes`), so 1 MiB leaves room for batches of a few hundred.",
    )
    request_body_timeout_seconds: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="Longest wait for the next part of a request body; a client that stalls longer "
        "gets 408 (a slow upload cannot hold a request open).",
    )
    http_keep_alive_seconds: int = Field(
        5, ge=1, le=3600, description="How long an idle keep-alive HTTP connection stays open."
    )
    http_max_header_bytes: int = Field(
        16384,
        ge=0,
        le=1024**2,
        description="Largest request line and headers, in bytes; larger ones get 400, whether they arrive "
        "whole (the app measures them) or in pieces (uvicorn's h11 parser, which `chargemedic serve` then "
        "uses, stops buffering an incomplete head beyond this: what one client's headers hold in memory "
        "stays bounded). 0 = no limit, and uvicorn's faster httptools parser, which buffers headers of any "
        "size (only behind a proxy that limits them).",
    )
    http_limit_concurrency: int = Field(
        1000,
        ge=0,
        le=1_000_000,
        description="Most HTTP connections and requests in progress per process before new requests "
        "get 503 (an open live-feed stream holds one). 0 = no limit.",
    )
    log_level: str = Field("info", description="Log level: debug, info, warning, error.")
    log_format: Literal["auto", "json", "text"] = Field(
        "auto",
        description="Log lines as `json` (one object per line, with correlation ids) or `text` "
        "(for a human at a terminal); `auto` = `text` when stderr is a terminal, `json` otherwise "
        "(a file, a pipe, a container's log collector). Secrets are redacted in both.",
    )
    metrics_public: bool = Field(
        False,
        description="Serve `GET /metrics` without an API key (only on a private network); "
        "otherwise any role's key is needed.",
    )
    metrics_cache_seconds: float = Field(
        5.0,
        ge=0,
        le=300,
        description="How long `/metrics` reuses the cluster-wide figures it read from the database.",
    )
    console_session_hours: float = Field(
        12.0, gt=0, le=24 * 30, description="How long a web-console login lasts (its cookie's lifetime)."
    )
    console_feed_poll_seconds: float = Field(
        1.0, gt=0, le=60, description="How often the live fault feed checks the database for changed faults."
    )
    console_feed_max_seconds: float = Field(
        300.0,
        gt=0,
        le=86400,
        description="How long one fault-feed stream lasts before the server ends it; browsers reconnect and "
        "resume where they left off (this bounds how long an open feed delays a graceful shutdown).",
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.lower() not in {"debug", "info", "warning", "error", "critical"}:
            raise ValueError("log_level must be one of debug, info, warning, error, critical")
        return value.lower()

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def database(self) -> str:
        """The database URL in effect (``database_url`` or the SQLite file in ``data_dir``)."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'chargemedic.db').as_posix()}"


def settings_table() -> str:
    """The README configuration table, generated from the fields above."""
    rows = ["| Variable | Default | Description |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default_factory() if field.default_factory else field.default
        if isinstance(default, list):
            default = [
                str(Path(p).relative_to(PROJECT_ROOT)) if Path(p).is_absolute() else str(p) for p in default
            ]
        shown = "*(unset)*" if default is None else f"`{default}`"
        rows.append(f"| `CHARGEMEDIC_{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(rows)
