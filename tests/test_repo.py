"""The repository's promises to a newcomer: README commands, CI, pins, core without streamlit."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```(?:bash|sh)\n(.*?)\n```", text, flags=re.S)


def test_ci_runs_the_readme_test_command_word_for_word():
    test_cmd = next(c for c in readme_commands() if "pytest" in c)
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_cmd.strip() in ci


def test_readme_app_command_installs_requirements_and_runs_streamlit():
    app_cmd = next(c for c in readme_commands() if "streamlit run app.py" in c)
    assert "requirements.txt" in app_cmd


def test_torch_is_pinned():
    reqs = (ROOT / "requirements.txt").read_text().splitlines()
    assert "torch==2.13.0" in [r.strip() for r in reqs]


def test_core_never_imports_streamlit():
    offenders = [
        p.name
        for p in (ROOT / "core").rglob("*.py")
        if re.search(r"^\s*(import|from)\s+streamlit", p.read_text(), flags=re.M)
    ]
    assert offenders == []


def test_every_page_widget_call_has_a_key():
    """Widgets without keys break state across reruns and pages; the house style asks for keys."""
    widgets = (
        r"st\.(slider|select_slider|selectbox|radio|checkbox|toggle|number_input|text_input|"
        r"file_uploader|button|download_button|multiselect|color_picker|segmented_control|pills)\("
    )
    missing = []
    for p in [
        ROOT / "app.py",
        *sorted((ROOT / "views").glob("*.py")),
        *sorted((ROOT / "ui").glob("*.py")),
    ]:
        src = p.read_text()
        for m in re.finditer(widgets, src):
            depth, i = 1, m.end()
            while depth and i < len(src):
                depth += {"(": 1, ")": -1}.get(src[i], 0)
                i += 1
            if "key=" not in src[m.end() : i]:
                line = src.count("\n", 0, m.start()) + 1
                missing.append(f"{p.name}:{line}")
    assert missing == []


def _modules() -> set[str]:
    """Every Python module of the engine, the ui helpers and the pages, as repository paths."""
    found = {"app.py"}
    for folder in ("core", "ui", "views"):
        found |= {p.relative_to(ROOT).as_posix() for p in (ROOT / folder).rglob("*.py")}
    return {m for m in found if "__pycache__" not in m}


def test_architecture_lists_every_module_and_no_other():
    """docs/ARCHITECTURE.md has one line per module: a new module gets its line, a removed or
    renamed one loses it (the doc once listed a core/presets.py that did not exist)."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    rows = re.findall(r"^\| `((?:core|ui|views)/[\w/]+\.py|app\.py)` \|", text, flags=re.M)
    assert len(rows) == len(set(rows)), "a module has two lines"
    modules = _modules()
    assert sorted(modules - set(rows)) == [], "modules without a line in docs/ARCHITECTURE.md"
    assert sorted(set(rows) - modules) == [], "lines for modules that do not exist"


def test_readme_explains_the_paper_presets_size_with_true_figures():
    """The paper preset is the study's network at 100x100; at 500x500 the same layers flatten the
    study's 226x226 maps into fc1 and count 200M+ parameters, as the README says."""
    import dataclasses

    import torch

    from core.nn.model import build_model, count_params, feature_shape
    from core.training.presets import preset

    text = (ROOT / "README.md").read_text()
    assert "https://github.com/tbensky/CNNKernels" in text and "../shared" not in text
    lab = preset("paper").model
    study = dataclasses.replace(lab, image_size=500)
    assert feature_shape(study) == (1, 226, 226)  # the study's nn.Linear(226*226, 4096)
    assert feature_shape(lab) == (1, 26, 26)
    with torch.device("meta"):  # counted without allocating 200M weights
        n_lab, n_study = (count_params(build_model(cfg)) for cfg in (lab, study))
    assert n_study > 200_000_000 and 6_000_000 < n_lab < 8_000_000
    assert f"{n_lab:,}" in text and f"{n_study:,}" in text
