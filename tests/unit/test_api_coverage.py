from __future__ import annotations

from pathlib import Path

from openses.api import ses_v1, ses_v2
from openses.api.coverage import coverage_markdown
from openses.protocol.models import service_model


def test_api_coverage_page_is_current() -> None:
    committed = Path(__file__).parents[2] / "docs" / "api-coverage.md"
    assert committed.read_text() == coverage_markdown(), (
        "docs/api-coverage.md is stale: run `make docs`"
    )


def test_every_dispatched_operation_exists_in_its_model() -> None:
    assert set(ses_v1.OPERATIONS) <= set(service_model("ses").operation_names)
    assert set(ses_v2.OPERATIONS) <= set(service_model("sesv2").operation_names)
