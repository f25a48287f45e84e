"""Commands across replicas: a command reaches the replica that holds the charger's websocket.

Every replica serving the OCPP gateway is a *node* (``gateway_nodes``, with a heartbeat). A
charger's socket lives on one node (``chargers.connected_node``). When a worker on another replica
must command that charger, :class:`RelayExecutor` writes a ``relayed_commands`` row addressed to
the node and waits; the node's :class:`~app.chargers.relay_server.RelayServer` takes it
(``pending → sending``), sends it through its gateway and writes the outcome (``done``).
PostgreSQL's LISTEN/NOTIFY wakes each side at once; polling every ``relay_poll_seconds`` is the
fallback (and the only means on SQLite, where replicas share one file on one host).

Outcomes keep the gateway's meaning, with the relay's own failures mapped onto them:

* the node is gone (no heartbeat within ``node_timeout``), or nobody took the command before its
  deadline → ``not_connected``: nothing was sent, so another route may be tried;
* taken, but no outcome within the call time-out → ``timeout``: it may have been sent.

Taking and expiring a command are compare-and-set on ``status = 'pending'``, so a command is
either sent once or reported as never sent — never both.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import psycopg
from sqlalchemy import Engine, text, update
from sqlmodel import Session, col

from app.chargers.executors import Outcome, OutcomeStatus
from app.guard.actions import Action, ActionParams
from app.store.db import read_scope, session_scope
from app.store.models import Charger, GatewayNode, RelayedCommand, utcnow

NODE_CHANNEL = "chargemedic_relay"
"""NOTIFY channel waking a node; the payload is the node's id."""
DONE_CHANNEL = "chargemedic_relay_done"
"""NOTIFY channel waking requesters; the payload is the finished command's row id."""
MARGIN_SECONDS = 5.0
"""Added to the call time-out: the node's own wait for the charger, plus scheduling."""
PENDING, SENDING, DONE, EXPIRED = "pending", "sending", "done", "expired"


def libpq_url(engine: Engine) -> str | None:
    """The libpq connection string of a PostgreSQL engine (for LISTEN), else ``None``."""
    if engine.dialect.name != "postgresql":
        return None
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def notify(session: Session, channel: str, payload: str) -> None:
    """NOTIFY ``channel`` when ``session`` commits (PostgreSQL; nothing elsewhere)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": payload}
        )


class RelayExecutor:
    """Carries an action to a charger whose socket another replica holds (see the module)."""

    name = "relay"

    def __init__(
        self,
        engine: Engine,
        *,
        node: str,
        call_timeout: float,
        poll_seconds: float,
        node_timeout: float,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine, self.node, self.clock = engine, node, clock
        self.call_timeout, self.poll_seconds, self.node_timeout = call_timeout, poll_seconds, node_timeout

    def execute(
        self, charger_id: str, action: Action, params: ActionParams, *, command_id: str | None = None
    ) -> Outcome:
        """Relay ``action`` to the node holding ``charger_id`` and wait for its outcome."""
        target = self._target(charger_id)
        if isinstance(target, Outcome):
            return target
        with self._listening() as wait:
            row_id = self._enqueue(target, charger_id, action, params, command_id)
            return self._await(row_id, target, wait)

    # ---- addressing --------------------------------------------------------------------------
    def _target(self, charger_id: str) -> str | Outcome:
        """The live node holding the charger's socket, or why there is none (nothing sent)."""
        with read_scope(self.engine) as session:
            charger = session.get(Charger, charger_id)
            node = charger.connected_node if charger else None
            alive = session.get(GatewayNode, node) if node else None
        if node is None:
            return _not_connected(f"{charger_id} is not connected to any gateway replica")
        if node == self.node:
            return _not_connected(f"{charger_id} is not connected (its record names this replica)")
        if alive is None or alive.heartbeat_at < self.clock() - timedelta(seconds=self.node_timeout):
            return _not_connected(f"{charger_id} was connected to replica {node}, which is no longer running")
        return node

    def _enqueue(
        self, node: str, charger_id: str, action: Action, params: ActionParams, command_id: str | None
    ) -> int:
        row = RelayedCommand(
            command_id=command_id,
            charger_id=charger_id,
            node=node,
            requested_by=self.node,
            action=Action(action).value,
            params=params.model_dump(exclude_none=True),
            deadline_at=self.clock() + timedelta(seconds=self.call_timeout),
        )
        with session_scope(self.engine) as session:
            session.add(row)
            session.flush()
            notify(session, NODE_CHANNEL, node)
            return row.id

    # ---- waiting -----------------------------------------------------------------------------
    def _await(self, row_id: int, node: str, wait: Callable[[float], None]) -> Outcome:
        while True:
            with read_scope(self.engine) as session:
                row = session.get(RelayedCommand, row_id)
            now = self.clock()
            if row.status == DONE:
                return _relayed(row)
            if row.status == EXPIRED or (
                row.status == PENDING and now >= row.deadline_at and self._expire(row_id)
            ):
                return _not_connected(f"replica {node} did not take the command; nothing was sent")
            if row.status == SENDING and now >= row.picked_at + self._patience:
                return Outcome(
                    status=OutcomeStatus.TIMEOUT,
                    detail=f"relayed to replica {node}: no outcome within {self._patience_seconds:g} s",
                    executor="ocpp",
                )
            wait(self.poll_seconds)

    @property
    def _patience_seconds(self) -> float:
        return self.call_timeout + MARGIN_SECONDS

    @property
    def _patience(self) -> timedelta:
        return timedelta(seconds=self._patience_seconds)

    def _expire(self, row_id: int) -> bool:
        with session_scope(self.engine) as session:
            return bool(
                session.exec(
                    update(RelayedCommand)
                    .where(col(RelayedCommand.id) == row_id, col(RelayedCommand.status) == PENDING)
                    .values(status=EXPIRED, done_at=self.clock())
                ).rowcount
            )

    @contextlib.contextmanager
    def _listening(self) -> Iterator[Callable[[float], None]]:
        """A ``wait(seconds)`` that returns early when a relayed command finishes (PostgreSQL
        LISTEN), or simply sleeps (SQLite, or when listening fails: polling still works)."""
        url = libpq_url(self.engine)
        connection = None
        if url is not None:
            with contextlib.suppress(psycopg.Error):
                connection = psycopg.connect(url, autocommit=True, connect_timeout=5)
                connection.execute(f"LISTEN {DONE_CHANNEL}")
        if connection is None:
            yield time.sleep
            return

        def wait(seconds: float) -> None:
            try:
                for _ in connection.notifies(timeout=seconds, stop_after=1):
                    pass
            except psycopg.Error:
                time.sleep(seconds)

        try:
            yield wait
        finally:
            connection.close()


def _relayed(row: RelayedCommand) -> Outcome:
    status = OutcomeStatus(row.outcome_status)
    return Outcome(
        status=status, detail=f"relayed to replica {row.node}: {row.outcome_detail}", executor="ocpp"
    )


def _not_connected(detail: str) -> Outcome:
    """Nothing sent; the route is OCPP (the relay is how one replica reaches another's sockets)."""
    return Outcome(status=OutcomeStatus.NOT_CONNECTED, detail=detail, executor="ocpp")
