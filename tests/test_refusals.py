"""Reading "a restart does not help" as a refusal, and "if that does not help, …" as not one."""

import pytest

from ingest.entries.steps import is_remote
from knowledge.refusals import repair_needed, restart_named, restart_refused, unlock_refused


@pytest.mark.parametrize(
    "text",
    [
        "A technician corrects the DIP-switch setting on site; a restart does not help.",
        "Restarting the charger will not clear this fault.",
        "A reboot won't fix it.",
        "Do not restart the charger before an electrician has checked it.",
        "The error cannot be reset remotely.",
        "This fault is not cleared by a reset; replace the board.",
        "No reset will clear this latch.",
        "Only an authorised technician can clear it, by reloading the calibration data.",
        "Finish the configuration with the software; a restart does not leave setup mode.",
        "Ein Konfigurationsfehler wird durch einen Reset nicht behoben: DIP-Schalter prüfen.",
        "Nicht aus der Ferne neu starten.",
        "Keinen Reset senden und nicht entriegeln: Ladepunkt sperren.",
        "Un redémarrage ne résout pas ce défaut.",
        "NON riavviare e non rimettere in servizio da remoto.",
        "The EVSE is permanently broken and requires repair.",
        "No reiniciar el equipo: llamar a un electricista.",
        "Niet herstarten; laat een installateur de kabel controleren.",
        "NIE restartować stacji zdalnie.",
        "Restart nie usuwa tego błędu.",
        "Starta inte om på distans.",
        "En omstart tar inte bort koden.",
    ],
)
def test_a_refused_restart(text):
    assert restart_refused(text)
    assert not is_remote(text), "a refusal is never a remote step"


@pytest.mark.parametrize(
    "text",
    [
        "Restart the charger from the app; if the error returns, call service.",
        "Restart the charger. If that does not help, call service.",
        "Restart it and if the error does not clear call support",
        "If a restart does not help, call service",
        "Collect GetDiagnostics, then Soft reset; if it recurs within 24 h do not reset again.",
        "Reset once, and if it recurs do not reset again",
        "A reboot fixes it.",
        "Power-cycle the unit to clear the error",
        "Se lo stato F ritorna dopo il riavvio: non riavviare di nuovo, contattare il supporto.",
        "Jednorazowy restart zdalny (Reset – Soft).",
        "Starta om laddaren en gång (mjuk omstart från portalen).",
        "Jeżeli błąd pojawi się ponownie – nie restartować więcej, zgłosić do serwisu.",
        "Om felet återkommer efter omstarten: starta inte om igen.",
        "do not reset again.",
        "Do not restart a second time; call service.",
    ],
)
def test_a_restart_worth_trying(text):
    assert not restart_refused(text)


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("Sending further unlock requests does not help: the lock stays latched.", True),
        (
            "While the fault is active the firmware does not move the lock at all, not even to release it.",
            True,
        ),
        (
            "The actuator is stuck and cannot unlock; the plug is held in the socket.",
            False,
        ),  # the fault itself
        ("Gun motor unlock fail.", False),
        ("Send an unlock from the back office, then remove the plug.", False),
    ],
)
def test_a_refused_remote_unlock(text, refused):
    assert unlock_refused(text) is refused


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Restart the wallbox; if the meter still does not answer, replace the meter.", True),
        ("Restart your charger by unplugging it or at the circuit breaker.", True),
        ("Switch the wallbox off and on again.", True),
        ("Power-cycle the unit.", True),
        ("Check the Modbus wiring and the meter address.", False),
        ("Contact support.", False),
        ("A restart does not help; an electrician checks the wiring.", False),  # named, and refused
    ],
)
def test_a_restart_named_however_it_is_done(text, named):
    assert restart_named(text) is named


@pytest.mark.parametrize(
    ("text", "needed"),
    [
        ("The EVSE is permanently broken and requires repair.", True),
        ("The selftest failed, device permanently broken.", True),
        ("The board needs to be repaired by service.", True),
        ("Défaut permanent : la borne doit être réparée.", True),
        ("Restart once; if the error persists, contact service.", False),
        ("If the unit is permanently broken, service repairs it.", False),
    ],
)
def test_a_unit_broken_for_good_needs_repair(text, needed):
    assert repair_needed(text) is needed

