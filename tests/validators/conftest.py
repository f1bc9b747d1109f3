"""Fixtures of the validator tests: the sample unit's template, built once, and a good fill of it."""

from __future__ import annotations

import pytest

from templates_xlsx.builder import build_template
from tests.validators.sample import SECRET, fill, sample_context


@pytest.fixture(scope="session")
def template() -> bytes:
    return build_template(sample_context(), SECRET)


@pytest.fixture(scope="session")
def good(template) -> bytes:
    return fill(template)
