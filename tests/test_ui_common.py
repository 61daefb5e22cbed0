"""cmmikit.ui.common: opening appraisals (given, from the environment, the sample) and safe HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmmikit.errors import CmmikitError, InvalidValue
from cmmikit.ui import common, open_appraisal


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(common.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv(common.APPRAISAL_ENV, "")  # recorded: what the chooser remembers is undone afterwards
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
    assert "&lt;reason&gt;" in status.html.value and "\u2717" in status.html.value


# ------------------------------------------------------------------ one handle per appraisal per kernel


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Jupyter session of its own: a runtime folder and a server process id."""
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv(common.SERVER_PID_ENV, "424242")
    monkeypatch.setenv(common.APPRAISAL_ENV, "")  # recorded: what the chooser remembers is undone afterwards
    yield tmp_path / "runtime"
    common.release_all()


def test_shared_handle_is_reused_across_reruns(appraisal, session: Path) -> None:
    path, address = appraisal.path, appraisal.address
    appraisal.close()
    first = common.shared_appraisal(address)
    # another spelling of the same file (a server URL is the same text again)
    again = common.shared_appraisal(str(path.parent / "." / path.name) if appraisal.location.is_file else address)
    assert again is first
    first.close()  # closed elsewhere (e.g. by a script): the next request opens a fresh handle
    third = common.shared_appraisal(address)
    assert third is not first and third.info().name == "Test appraisal"


def test_choice_is_remembered_for_the_session_and_outranks_the_environment(appraisal, session: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(common.APPRAISAL_ENV, "/elsewhere/other.cmmi")
    assert common.chosen_location() == "/elsewhere/other.cmmi"
    common.remember_location(appraisal.address)
    assert common.chosen_location() == appraisal.location.shareable   # a server URL: without its password
    password = appraisal.location.password
    assert not password or password not in (session / "cmmikit-ui-424242.json").read_text()
    assert common.chosen_location("explicit.cmmi") == "explicit.cmmi"  # a parameter always wins
    assert (session / "cmmikit-ui-424242.json").exists()
    monkeypatch.setenv(common.SERVER_PID_ENV, "515151")  # another Jupyter server: nothing remembered there
    monkeypatch.delenv(common.APPRAISAL_ENV)
    assert common.remembered_location() is None


def test_nothing_is_remembered_outside_a_jupyter_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(common.SERVER_PID_ENV, raising=False)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv(common.APPRAISAL_ENV, "")  # recorded, so the memory set below is undone after the test
    common.remember_location("x.cmmi")
    assert common.remembered_location() is None and list(tmp_path.iterdir()) == []
    assert common.chosen_location() == "x.cmmi"  # the kernel's environment still carries it


def test_badges_use_the_okabe_ito_palette_with_their_label() -> None:
    from cmmikit import palette

    fi = common.badge("FI")
    assert palette.BLUE in fi and ">FI<" in fi and "color:#FFFFFF" in fi
    assert palette.VERMILLION in common.badge("Unsatisfied") and palette.YELLOW in common.badge("LI or PI", "judgment")
    assert "#b7e1b0" not in fi and common.cell_style("NI").startswith(f"background-color:{palette.VERMILLION}")
    assert common.cell_style("Unit A") == ""


def test_status_line_offers_undo_once() -> None:
    status = common.StatusLine()
    undone: list[int] = []
    status.offer_undo("removed", lambda: undone.append(1))
    assert status.undo_button.layout.display is None and "removed" in status.html.value
    status.undo_button.click()
    status.undo_button.click()
    assert undone == [1] and status.undo_button.layout.display == "none"
    status.offer_undo("removed again", lambda: undone.append(2))
    status.saved("something else")  # a later message withdraws the offer
    assert status.undo_button.layout.display == "none"


def test_buttons_size_to_their_text_and_inputs_get_names() -> None:
    b = common.button("rate goal Unsatisfied", "gavel")
    assert b.layout.width == "auto" and b.layout.min_width == "max-content"
    box = common.text_field("", placeholder="subgroup")
    assert box.description == "subgroup" and common.SR_CLASS in box._dom_classes
    assert common.unlabelled(common.w.VBox([box, common.w.Checkbox()])) != []


def test_text_areas_grow_with_their_text() -> None:
    area = common.text_field("Weaknesses", area=True)
    common.grow(area, "")
    assert area.rows == 3
    common.grow(area, "x" * 48 * 6)
    assert area.rows == 7
    common.grow(area, "line\n" * 40)
    assert area.rows == 16
