"""Scenario files for ``chargemedic simulate``: which chargers exist and what happens to them when.

A scenario is YAML validated here; every problem is reported with the path of the field it
concerns (``events[2].charger: unknown charger 'X'``) so a typo never reaches the wire. Times are
seconds from the start of the run; :func:`scale` stretches or compresses all of them at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

OcppVersion = Literal["1.6", "2.0.1"]
CommandMode = Literal["answer", "reject", "call_error", "ignore", "disconnect"]
"""How the charger answers the central system's commands while a fault is active."""
FixCommand = Literal["Reset", "UnlockConnector", "ClearCache"]
UnlockResult = Literal["Unlocked", "UnlockFailed"]

BUNDLED = Path(__file__).parent / "scenarios"
STATUSES = {
    "1.6": {"Available", "Preparing", "Charging", "SuspendedEVSE", "SuspendedEV", "Finishing"}
    | {"Reserved", "Unavailable", "Faulted"},
    "2.0.1": {"Available", "Occupied", "Reserved", "Unavailable", "Faulted"},
}
# Wire limits of the BootNotification fields per version: (vendor, model, firmware, serial).
_BOOT_LIMITS = {"1.6": (20, 20, 50, 25), "2.0.1": (50, 20, 50, 25)}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChargerSpec(_Model):
    """One simulated charge point and the identity it reports in BootNotification."""

    id: str = Field(pattern=r"^[A-Za-z0-9._\-:+|@*]{1,48}$", description="Charge point identity (URL path).")
    ocpp: OcppVersion
    password: str = Field(min_length=16, max_length=40, description="HTTP Basic password (OCPP: 16–40).")
    vendor: str
    model: str
    firmware: str = "1.0.0"
    serial: str | None = None
    site: str | None = None
    connectors: int = Field(
        1, ge=1, le=16, description="1.6 connectors, or 2.0.1 EVSEs of one connector each."
    )
    heartbeat_seconds: float = Field(
        60, gt=0, description="Upper bound; the boot answer's interval wins if shorter."
    )
    reboot_seconds: float = Field(
        3, ge=0, description="Offline time after a reset or a deliberate disconnect."
    )
    retry_seconds: float = Field(
        5, gt=0, description="Wait between attempts when the gateway is unreachable."
    )


class FaultSpec(_Model):
    """What the charger reports: 1.6 StatusNotification fields and 2.0.1 NotifyEvent fields.

    ``connector`` 0 is the whole charger. In 2.0.1 a connector number is an EVSE id (one connector
    per EVSE); ``tech_code`` and ``tech_info`` default to ``vendor_error_code`` and ``info``.
    """

    connector: int = Field(1, ge=0)
    status: str = "Faulted"
    error_code: str = Field("OtherError", description="1.6 errorCode; non-standard values are sent as-is.")
    vendor_error_code: str | None = None
    info: str | None = None
    vendor_id: str | None = None
    component: str | None = Field(
        None, description="2.0.1; default ChargingStation (connector 0) or Connector."
    )
    variable: str = "Problem"
    actual_value: str = "true"
    trigger: Literal["Alerting", "Delta"] = "Alerting"
    tech_code: str | None = None
    tech_info: str | None = None


class Fault(FaultSpec):
    """A fault injected into a charger, with how it behaves until it is gone."""

    fixed_by: tuple[FixCommand, ...] = ()
    commands: CommandMode = "answer"
    clears_after: float | None = Field(
        None, gt=0, description="The charger clears it itself after this long."
    )
    unlock: UnlockResult = "Unlocked"


class SessionSpec(_Model):
    connector: int = Field(1, ge=1)
    id_tag: str = Field("TAG-0001", min_length=1, max_length=20)
    duration: float | None = Field(None, gt=0, description="Seconds; unset = until stopped or the run ends.")
    power_w: float = Field(7400, gt=0)
    meter_seconds: float = Field(10, gt=0)


class ClearSpec(_Model):
    connector: int | None = Field(None, ge=0, description="Clear faults on this connector; unset = all.")


class Event(_Model):
    """At ``at`` seconds, one thing happens to ``charger``: a fault, a session, or a fault clearing."""

    at: float = Field(ge=0)
    charger: str
    fault: FaultSpec | None = None
    fixed_by: tuple[FixCommand, ...] = ()
    commands: CommandMode = "answer"
    clears_after: float | None = Field(None, gt=0)
    unlock: UnlockResult = "Unlocked"
    session: SessionSpec | None = None
    clear: ClearSpec | None = None

    @model_validator(mode="after")
    def _one_thing(self) -> Event:
        given = [name for name in ("fault", "session", "clear") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of fault, session, clear (got {', '.join(given) or 'none'})")
        return self

    def to_fault(self) -> Fault:
        assert self.fault is not None
        extra = {"fixed_by": self.fixed_by, "commands": self.commands, "clears_after": self.clears_after}
        return Fault(**self.fault.model_dump(), **extra, unlock=self.unlock)


class Scenario(_Model):
    url: str | None = Field(None, pattern=r"^wss?://", description="Gateway base URL (+ /charger_id).")
    duration: float = Field(60, gt=0, description="Seconds; the run stops after this.")
    chargers: list[ChargerSpec] = Field(min_length=1)
    events: list[Event] = []

    def charger(self, charger_id: str) -> ChargerSpec:
        return next(c for c in self.chargers if c.id == charger_id)


class ScenarioError(ValueError):
    """A scenario that cannot run; ``problems`` are ``"field.path: what is wrong"`` lines."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"scenario {source} is invalid:\n  " + "\n  ".join(problems))


def resolve(name_or_path: str | Path) -> Path:
    """A scenario file: an existing path, or the name of a bundled scenario (``demo``)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    bundled = BUNDLED / f"{name_or_path}.yaml"
    if bundled.is_file():
        return bundled
    names = ", ".join(sorted(p.stem for p in BUNDLED.glob("*.yaml")))
    raise FileNotFoundError(
        f"no scenario file {str(name_or_path)!r} and no bundled scenario of that name ({names})"
    )


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Read and validate a scenario (see :func:`resolve`); ``ScenarioError`` names each bad field."""
    path = resolve(name_or_path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ScenarioError(str(path), [f"(file): not valid YAML: {error}"]) from None
    return parse_scenario(data, source=str(path))


def parse_scenario(data: Any, *, source: str = "<data>") -> Scenario:
    """Validate already-parsed YAML; ``ScenarioError`` names each bad field."""
    if not isinstance(data, dict):
        raise ScenarioError(source, ["(file): expected a mapping with chargers, events and duration"])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(source, [_describe(e) for e in error.errors()]) from None
    if problems := check(scenario):
        raise ScenarioError(source, problems)
    return scenario


def check(scenario: Scenario) -> list[str]:
    """Problems the schema cannot see: references between fields and per-version wire limits."""
    problems: list[str] = []
    seen: set[str] = set()
    for i, charger in enumerate(scenario.chargers):
        if charger.id in seen:
            problems.append(f"chargers[{i}].id: duplicate charger {charger.id!r}")
        seen.add(charger.id)
        problems += _check_boot_fields(f"chargers[{i}]", charger)
    for i, event in enumerate(scenario.events):
        problems += _check_event(f"events[{i}]", event, scenario)
    return problems


def _check_boot_fields(where: str, charger: ChargerSpec) -> list[str]:
    limits = _BOOT_LIMITS[charger.ocpp]
    values = (charger.vendor, charger.model, charger.firmware, charger.serial)
    return [
        f"{where}.{name}: at most {limit} characters in OCPP {charger.ocpp} (got {len(value)})"
        for name, value, limit in zip(("vendor", "model", "firmware", "serial"), values, limits, strict=True)
        if value is not None and len(value) > limit
    ]


def _check_event(where: str, event: Event, scenario: Scenario) -> list[str]:
    if event.charger not in {c.id for c in scenario.chargers}:
        return [f"{where}.charger: unknown charger {event.charger!r}"]
    charger = scenario.charger(event.charger)
    problems = []
    if event.fault is None and (event.fixed_by or event.commands != "answer" or event.clears_after):
        problems.append(f"{where}: fixed_by, commands and clears_after belong to a fault event")
    if event.fault is not None:
        problems += _check_connector(
            f"{where}.fault.connector", event.fault.connector, charger, allow_zero=True
        )
        if event.fault.status not in STATUSES[charger.ocpp]:
            allowed = ", ".join(sorted(STATUSES[charger.ocpp]))
            status = event.fault.status
            problems.append(
                f"{where}.fault.status: {status!r} is not an OCPP {charger.ocpp} status ({allowed})"
            )
    if event.session is not None:
        problems += _check_connector(
            f"{where}.session.connector", event.session.connector, charger, allow_zero=False
        )
    if event.clear is not None and event.clear.connector is not None:
        problems += _check_connector(
            f"{where}.clear.connector", event.clear.connector, charger, allow_zero=True
        )
    return problems


def _check_connector(where: str, connector: int, charger: ChargerSpec, *, allow_zero: bool) -> list[str]:
    low = 0 if allow_zero else 1
    if low <= connector <= charger.connectors:
        return []
    return [f"{where}: {charger.id} has connectors {low}..{charger.connectors} (got {connector})"]


def _describe(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{_path(error['loc'])}: {message}"


def _path(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "(file)"


def scale(scenario: Scenario, factor: float) -> Scenario:
    """The same scenario with every time multiplied by ``factor`` (0.1 = ten times faster)."""
    if factor == 1:
        return scenario
    chargers = [
        c.model_copy(
            update={
                "heartbeat_seconds": c.heartbeat_seconds * factor,
                "reboot_seconds": c.reboot_seconds * factor,
                "retry_seconds": c.retry_seconds * factor,
            }
        )
        for c in scenario.chargers
    ]
    return scenario.model_copy(
        update={
            "duration": scenario.duration * factor,
            "chargers": chargers,
            "events": [_scale_event(e, factor) for e in scenario.events],
        }
    )


def _scale_event(event: Event, factor: float) -> Event:
    update: dict[str, Any] = {"at": event.at * factor}
    if event.clears_after is not None:
        update["clears_after"] = event.clears_after * factor
    if event.session is not None:
        duration = event.session.duration * factor if event.session.duration is not None else None
        session_update = {"duration": duration, "meter_seconds": event.session.meter_seconds * factor}
        update["session"] = event.session.model_copy(update=session_update)
    return event.model_copy(update=update)
