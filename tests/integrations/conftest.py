"""Recorded provider payloads (tests/fixtures/providers/<provider>/)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "providers"


def load(provider: str, name: str) -> Any:
    return json.loads((FIXTURES / provider / name).read_text())


@pytest.fixture
def recorded() -> Callable[[str, str], Any]:
    return load
