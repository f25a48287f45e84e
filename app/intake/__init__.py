"""Intake of OCPP messages forwarded by the CSMS: wire models and their normalisation into observations."""
