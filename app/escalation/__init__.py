"""Escalations: hand a fault to a technician with instructions, and deliver the ticket.

* :mod:`app.escalation.tickets` — one active ticket per fault (updates append to it), a
  technician's acknowledgement and resolution (optionally re-enabling the connector through an
  approved ``set_operative``). Every change bumps the ticket's version.
* :mod:`app.escalation.delivery` — an outbox: each version is POSTed, HMAC-signed, to the
  configured ticketing webhook, retried with backoff and parked as ``dead_letter`` after N tries.

A site-level escalation (blast radius) is a ticket of its own, ``scope="site"``.
"""

from app.escalation.tickets import EscalationError, acknowledge, escalate, resolve

__all__ = ["EscalationError", "acknowledge", "escalate", "resolve"]
