"""AppTest checks of the Scope page's "Where the network looks": a heat map per class on the
uploaded screenshot's network input, saliency or Grad-CAM."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from core.data.scope_samples import sample_png
from tests.pages.harness import check, open_page


def _heat_images(at: AppTest) -> list:
    return [i for i in at.image if i.proto.imgs[0].caption.startswith("for ")]


def test_heat_maps_for_an_upload(trained_run):
    at = open_page("Scope")
    at.file_uploader(key="scope_upload").set_value(
        ("my-scope.png", sample_png("square"), "image/png")
    ).run()
    check(at)
    assert any(s.value == "Where the network looks" for s in at.subheader)
    maps = _heat_images(at)
    captions = [m.proto.imgs[0].caption for m in maps]
    assert [c.split(" (")[0] for c in captions] == ["for square", "for gaussian", "for sine"]
    said = next(m.value for m in at.markdown if m.value.startswith("The network says"))
    winner = said.split("**")[1]
    if winner == "unsure":  # "unsure, none of the shapes it knows (closest: sine, 40%)"
        winner = said.split("closest: ")[1].split(",")[0]
    assert [c for c in captions if c.endswith("its answer")] == [
        next(c for c in captions if c.startswith(f"for {winner} "))
    ]
    assert any(c.value.startswith("Saliency:") for c in at.caption)
    saliency = [m.value for m in maps]
    at.button_group(key="scope_heat").set_value("grad_cam").run()
    check(at)
    assert any(c.value.startswith("Grad-CAM:") for c in at.caption)
    assert [m.value for m in _heat_images(at)] != saliency


def test_no_heat_maps_without_a_saved_network(trained_run):
    (trained_run / "model.pt").unlink()
    at = open_page("Scope")
    assert not any(s.value == "Where the network looks" for s in at.subheader)
    assert not _heat_images(at)
    # The page says why and still shows the rest: the stages and the kernels' feature maps.
    assert any("no saved network yet" in i.value for i in at.info)
    assert any(s.value.startswith("From screenshot to network input") for s in at.subheader)
    assert any(m.value.startswith("**Every kernel on the network input**") for m in at.markdown)
