"""What the OCPP-J websocket handshake carries, read as the specification says.

* **The identity** is the last segment of the URL path, percent-encoded where it needs to be
  (OCPP-J 1.6 §3.1.1: a charge point ``RDAM 123`` connects to ``…/ocpp/RDAM%20123``):
  :func:`path_identity` decodes it before anything compares it with the Basic-auth user or the
  registry. Which identities may be *registered* is :func:`app.chargers.credentials.validate_identity`.
* **The subprotocol**: the first of :data:`SUBPROTOCOLS` the client offers. When it offers none of
  them (or no ``Sec-WebSocket-Protocol`` header at all), the handshake still completes, without
  that header, and the connection is then closed at once with :data:`PROTOCOL_ERROR` (OCPP-J 1.6
  §3.2, 2.0.1 Part 4 §3.1.2) — not refused with HTTP 400.
* **HTTP Basic** credentials: :func:`basic_password`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from urllib.parse import unquote

SUBPROTOCOLS = ["ocpp2.0.1", "ocpp1.6"]
"""Spoken by the gateway, preferred first."""
PROTOCOL_ERROR = 1002
"""WebSocket close code for a client that offered no subprotocol the gateway speaks (RFC 6455)."""
NO_SUBPROTOCOL = f"no supported subprotocol offered; this server speaks {', '.join(SUBPROTOCOLS)}"
"""The close reason that goes with :data:`PROTOCOL_ERROR`."""
MAX_PATH_IDENTITY = 64
"""Longest identity the gateway reads from a path (the registry holds ids of up to 64 characters;
registering one is held to OCPP's 48)."""
_PATH = re.compile(rf"^/ocpp/([^/?#]{{1,{3 * MAX_PATH_IDENTITY}}})/?$")  # 3 characters per %XX


def path_identity(path: str) -> str | None:
    """The charge point identity of a request to ``/ocpp/{identity}``, percent-decoded as UTF-8;
    ``None`` for any other path, or a segment that decodes to no identity: invalid percent-encoding
    or UTF-8, a ``/``, a control character, more than :data:`MAX_PATH_IDENTITY` characters."""
    match = _PATH.match(path)
    if match is None:
        return None
    segment = match.group(1)
    if re.search(r"%(?![0-9A-Fa-f]{2})", segment):
        return None
    try:
        identity = unquote(segment, errors="strict")
    except UnicodeDecodeError:
        return None
    if len(identity) > MAX_PATH_IDENTITY or "/" in identity or not identity.isprintable():
        return None
    return identity


def select_subprotocol(connection: object, offered: Sequence[str]) -> str | None:
    """For websockets' ``select_subprotocol``: the first of :data:`SUBPROTOCOLS` in ``offered``,
    else ``None`` (the handshake completes without a subprotocol; the gateway then closes)."""
    return next((protocol for protocol in SUBPROTOCOLS if protocol in offered), None)


def basic_password(header: str | None, identity: str) -> str | None:
    """The password of a Basic ``Authorization`` header whose user is ``identity`` (UTF-8, as
    decoded from the path), else ``None``."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return password if user == identity and password else None
