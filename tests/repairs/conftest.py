"""Repair tests keep evidence files in the test's own folder."""

from __future__ import annotations

import pytest

from xinyong.config import Settings


@pytest.fixture()
def settings(settings: Settings, tmp_path) -> Settings:  # noqa: F811 - extends the shared fixture
    """The shared settings with attachments under tmp_path (the client's app uses these too)."""
    return settings.model_copy(update={"attachment_dir": tmp_path / "files"})
