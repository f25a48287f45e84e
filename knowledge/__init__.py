"""The knowledge base: citable passages from manufacturers' documents, searchable by code and meaning."""
