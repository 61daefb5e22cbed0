"""cmmikit.ui.common: opening appraisals (given, from the environment, the sample) and safe HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmmikit.errors import CmmikitError, InvalidValue
from cmmikit.ui import common, open_appraisal


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(common.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(common.APPRAISAL_ENV, raising=False)
    return tmp_path / "cache"


def test_given_path_is_opened(appraisal, cache: Path) -> None:
    with open_appraisal(appraisal.address) as opened:
        assert opened.info().name == "Test appraisal"
    assert not cache.exists()


def test_environment_path_is_used_when_none_given(appraisal, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(common.APPRAISAL_ENV, appraisal.address)
    with open_appraisal() as opened:
        assert opened.path == appraisal.path


def test_sample_is_built_once_then_reopened(cache: Path) -> None:
    with open_appraisal() as first:
        assert first.path == common.demo_path() and first.path.parent == cache
        assert first.info().name.startswith("Northwind")
        first.update_info(description="kept between openings")
    with open_appraisal() as again:
        assert again.info().description == "kept between openings"


def test_the_sample_file_is_one_per_schema_revision(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cmmikit.store import schema

    here = common.demo_path()
    assert f"-schema{schema.HEAD}-" in here.name
    monkeypatch.setattr(schema, "HEAD", "9999")       # a tree with another schema
    assert common.demo_path() != here and "-schema9999-" in common.demo_path().name


def test_damaged_sample_is_rebuilt(cache: Path) -> None:
    cache.mkdir(parents=True)
    common.demo_path().write_bytes(b"not an appraisal at all")
    with open_appraisal() as opened:
        assert len(opened.instances()) == 4


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CmmikitError, match="no such appraisal file"):
        open_appraisal(tmp_path / "nope.cmmi")


def test_user_text_never_becomes_markup() -> None:
    assert common.esc("<b>x</b> & 'y'") == "&lt;b&gt;x&lt;/b&gt; &amp; &#x27;y&#x27;"
    assert "<script>" not in common.badge("<script>", "FI")
    assert common.safe_link("javascript:alert(1)") == "javascript:alert(1)"
    link = common.safe_link('https://x.example/a"onmouseover="b')
    assert link.startswith('<a href="https://x.example/a&quot;onmouseover=&quot;b"')


def test_status_line_reports_success_and_user_mistakes() -> None:
    status = common.StatusLine()
    assert status.run(lambda: None, done="saved") and status.text == "saved"

    def bad() -> None:
        raise InvalidValue("a <reason> is required")

    assert not status.run(bad) and not status.ok
    assert "&lt;reason&gt;" in status.widget.value
