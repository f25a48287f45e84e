"""Chaos scenarios (``make chaos``): real dependencies fail under the running service, and each
scenario asserts that nothing acknowledged is lost, nothing is processed twice and nothing unsafe
reaches a charger."""
