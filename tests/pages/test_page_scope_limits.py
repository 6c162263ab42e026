"""An image over the size limit is refused with a sentence, and the last image's results go."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.capture.imagefile import MAX_BYTES
from core.data.scope_samples import sample_png

PAGE = str(Path(__file__).resolve().parents[2] / "views" / "4_Scope.py")


def test_an_oversized_upload_says_so_and_clears_the_previous_results(runs_root):
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    at.file_uploader(key="scope_upload").set_value(("good.png", sample_png("sine"), "image/png"))
    at.run()
    assert any(s.value.startswith("From screenshot") for s in at.subheader)
    big = b"\x89PNG\r\n\x1a\n" + bytes(MAX_BYTES + 1)
    at.file_uploader(key="scope_upload").set_value(("huge.png", big, "image/png")).run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "huge.png is 30.0 MB, more than the 30 MB this lab reads" in errors
    assert "upload that" in errors
    assert not at.subheader, [s.value for s in at.subheader]  # nothing of good.png is left
