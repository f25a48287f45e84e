"""Turning manuals and error-code tables into citable, searchable chunks."""
