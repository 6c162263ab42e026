"""Every page with a run picker keeps working over a runs folder full of damaged runs: it names
what is wrong, shows the good runs, and opens each listed run (damaged or not) without a
traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.damage import DAMAGES, GOOD_NAMES, make_damaged_root, tree

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60
PICKERS = {  # page file -> the run picker's key
    "app.py": "home_run",
    "views/3_Kernels.py": "kernels_run",
    "views/4_Scope.py": "scope_run",
    "views/5_Insight.py": "insight_run",
    "views/6_Compare.py": "compare_run_a",
}


@pytest.fixture()
def damaged_root(run_dir, tmp_path, monkeypatch):
    import ui.state

    root = make_damaged_root(run_dir, tmp_path / "runs")
    monkeypatch.setenv("KERNEL_LAB_RUNS", str(root))
    monkeypatch.setattr(ui.state, "EXAMPLE_RUNS", tmp_path / "no-examples")
    return root


def _page_text(at: AppTest) -> str:
    parts = [w.value for w in at.warning] + [e.value for e in at.error]
    for box in at.selectbox:
        parts += list(box.options)
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", list(PICKERS))
def test_page_names_damage_and_opens_every_listed_run(damaged_root, page):
    before = tree(damaged_root)
    at = AppTest.from_file(str(ROOT / page), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    text = _page_text(at)
    for name in GOOD_NAMES:
        assert name in text
    for name, (_, word) in DAMAGES.items():
        if name == "empty-model" and page == "views/5_Insight.py":
            continue  # Insight lists only runs with a network, and says nothing of the others
        line = next((x for x in text.splitlines() if name in x), "")
        assert word in line, (name, line)
    key = PICKERS[page]
    for i in range(len(at.selectbox(key=key).options)):
        at.selectbox(key=key).select_index(i).run()
        assert not at.exception, (at.selectbox(key=key).options[i], at.exception)
    assert tree(damaged_root) == before
