"""The OpenAPI document is complete: every operation documents its answers and their bodies."""

from __future__ import annotations

from pathlib import Path

from app.main import create_app
from app.settings import Settings

SPEC = create_app(Settings(data_dir=Path("unused"), workers=0)).openapi()
OPERATIONS = [
    (path, method, operation) for path, item in SPEC["paths"].items() for method, operation in item.items()
]


def test_every_authenticated_operation_documents_auth_validation_and_outage_errors():
    guarded = [(p, m, o) for p, m, o in OPERATIONS if p.startswith("/v1/")]
    assert len(guarded) >= 7
    for path, method, operation in guarded:
        for code in ("401", "403", "422", "503"):
            body = operation["responses"].get(code, {}).get("content", {}).get("application/json", {})
            assert body.get("schema", {}).get("$ref", "").endswith("/Problem"), (method, path, code)
        assert operation.get("security"), (method, path)


def test_every_lookup_by_id_documents_not_found():
    for path, method, operation in OPERATIONS:
        if method == "get" and path.endswith("}"):
            assert "404" in operation["responses"], path


def test_every_success_response_has_a_typed_body():
    for path, method, operation in OPERATIONS:
        for code, response in operation["responses"].items():
            if code.startswith("2"):
                content = response["content"]
                if "application/json" in content:
                    schema = content["application/json"]["schema"]
                elif "text/plain" in content:  # the Prometheus exposition format, named
                    assert content["text/plain"]["schema"]["format"].startswith("prometheus-text")
                    continue
                else:  # an event stream has no JSON body: each event's data is a typed JSON document
                    schema = content["text/event-stream"]["itemSchema"]["properties"]["data"]["contentSchema"]
                assert schema not in ({}, {"type": "object"}), (method, path, code)
                assert "additionalProperties" not in schema or schema.get("$ref"), (method, path, code)


def test_intake_request_and_answer_carry_examples():
    schemas = SPEC["components"]["schemas"]
    assert schemas["EventIn"]["examples"][0]["status_notification"]["errorCode"] == "GroundFailure"
    assert schemas["EventAccepted"]["examples"][0]["links"]["fault"].startswith("/v1/faults/")
