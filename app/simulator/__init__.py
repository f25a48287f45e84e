"""Simulated OCPP 1.6J and 2.0.1 charge points for end-to-end tests, benchmarks and the demo.

``chargemedic simulate demo`` runs the bundled scenario; in Python::

    run = ScenarioRun(load_scenario("demo"), "ws://127.0.0.1:9000/ocpp")
    await run.start()
    await run["SIM-VOLTRA-01"].wait_for_command("Reset", timeout=30)
"""

from app.simulator.device import Command, Sent
from app.simulator.firmware import ChargerRefused, Reporter, SimulatedCharger, silent
from app.simulator.runner import ChargerSummary, ScenarioRun, fleet
from app.simulator.scenario import (
    ChargerSpec,
    Event,
    Fault,
    FaultSpec,
    Scenario,
    ScenarioError,
    SessionSpec,
    load_scenario,
    parse_scenario,
    scale,
)

__all__ = [
    "ChargerRefused",
    "ChargerSpec",
    "ChargerSummary",
    "Command",
    "Event",
    "Fault",
    "FaultSpec",
    "Reporter",
    "Scenario",
    "ScenarioError",
    "ScenarioRun",
    "Sent",
    "SessionSpec",
    "SimulatedCharger",
    "fleet",
    "load_scenario",
    "parse_scenario",
    "scale",
    "silent",
]
