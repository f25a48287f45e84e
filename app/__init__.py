"""chargemedic: the service (API, CLI) that wires knowledge, agent and chargers together."""
