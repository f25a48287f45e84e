"""The technician chat: grounded, cited answers from the manuals and the charger's records (read-only)."""
