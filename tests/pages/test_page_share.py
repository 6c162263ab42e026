"""Sharing on the pages: Kernels offers the MP4, model, settings and zip; Home loads a zip back."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.training.share import run_zip_bytes
from ui.state import RUN_KEY

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "runs" / "example-fast"
TIMEOUT = 60


def test_home_loads_a_shared_zip_as_a_new_current_run_once(trained_run):
    runs_root = trained_run.parent  # one run of the class's own already there
    before = sorted(p.name for p in runs_root.iterdir())
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    upload = at.file_uploader(key="share_upload")
    upload.set_value(("from-a-friend.zip", run_zip_bytes(EXAMPLE), "application/zip")).run()
    assert not at.exception
    new = sorted(set(p.name for p in runs_root.iterdir()) - set(before))
    assert new == ["example-fast"]
    assert at.session_state[RUN_KEY] == str(runs_root / "example-fast")
    assert any("Loaded from-a-friend.zip" in s.value for s in at.success)
    at.run()  # a rerun keeps the upload: it must not be imported twice
    assert len(list(runs_root.iterdir())) == len(before) + 1


def test_home_refuses_a_zip_that_is_not_a_run_with_a_sentence(trained_run):
    runs_root = trained_run.parent
    before = sorted(p.name for p in runs_root.iterdir())
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    at.file_uploader(key="share_upload").set_value(("holiday.zip", b"PK nope", "application/zip"))
    at.run()
    assert not at.exception
    assert any("holiday.zip is not a zip file." in e.value for e in at.error)
    assert sorted(p.name for p in runs_root.iterdir()) == before


def test_kernels_page_offers_the_mp4_and_the_run_downloads(trained_run):
    at = AppTest.from_file(str(ROOT / "views" / "3_Kernels.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    for label in ("Network (model.pt)", "Settings (config.json)", "Whole run (zip)"):
        assert label in labels
    at.button(key="share_make_mp4").click().run()
    assert not at.exception
    assert at.get("video"), "no video after making the MP4"
    assert "Download the MP4" in [b.proto.label for b in at.get("download_button")]
