"""Session state shared across pages: the current run, and the runs a page can pick from."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.errors import LabError
from core.training.outcome import run_verdict
from core.training.runs import Run, RunStore

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_RUNS = REPO / "examples" / "runs"  # shipped so a first launch has something real to show
RUN_KEY = "lab_run"  # session-state key holding the chosen run's folder path (str)


def store() -> RunStore:
    """The runs root ($KERNEL_LAB_RUNS or runs/) where new training runs are saved."""
    return RunStore()


def all_runs() -> tuple[list[Run], list[str]]:
    """Saved runs newest first, then the shipped example runs; plus warnings for damaged folders."""
    runs, warnings = store().list_runs()
    examples, ex_warn = RunStore(EXAMPLE_RUNS).list_runs()
    return runs + examples, warnings + ex_warn


def is_example(run: Run) -> bool:
    return run.path.resolve().parent == EXAMPLE_RUNS.resolve()


def run_label(run: Run) -> str:
    tag = "  [did not learn]" if run_verdict(run) else ""
    return run.label + tag + ("  [example]" if is_example(run) else "")


def first_working(runs: list[Run]) -> int:
    """Index of the run a new session lands on: the newest that has finished and learned, not one
    another session is still training (it has no network yet: the Scope page could not answer);
    else the newest that learned; else 0."""
    learned = [i for i, r in enumerate(runs) if not run_verdict(r)]
    return next((i for i in learned if runs[i].state != "running"), learned[0] if learned else 0)


def run_picker(key: str, *, label: str = "Run", need_model: bool = False) -> Run | None:
    """A selectbox over all runs, shared across pages through session state; newest by default."""
    runs, warnings = all_runs()
    for w in warnings:
        st.warning(w, icon="⚠️")
    if need_model:
        runs = [r for r in runs if r.has_model()]
    if not runs:
        st.info("No runs yet: train one on the Train page (it takes a few seconds).")
        return None
    paths = [str(r.path) for r in runs]
    keep_run_choice(key, paths)
    current = st.session_state.get(RUN_KEY)
    index = paths.index(current) if current in paths else first_working(runs)
    # The widget's own state wins once it exists (keep_run_choice may have moved it): giving a
    # default as well makes Streamlit warn that the value was set twice.
    default = {} if key in st.session_state else {"index": index}
    choice = st.selectbox(
        label, range(len(runs)), format_func=lambda i: run_label(runs[i]), key=key, **default
    )
    st.session_state[RUN_KEY] = paths[choice]
    say_problems(runs[choice])
    return runs[choice]


def say_problems(run: Run) -> None:
    """Name what is damaged in a chosen run; the pages show whatever can still be read."""
    if run.problems:
        st.warning(
            f"{run.name} is damaged: {'; '.join(run.problems)}. What can still be read is shown.",
            icon="⚠️",
        )
    if run.state == "interrupted":
        st.info(
            f"{run.name} was interrupted (its training process ended without finishing); "
            "everything it saved before that is kept."
        )


def keep_run_choice(key: str, paths: list[str]) -> None:
    """Keep a run selectbox (options: indices into `paths`) on the same run when the list has
    changed since it was drawn, e.g. another session's training added a run at the top; without
    this the stored index would silently point at a neighbouring run."""
    shown_key = f"{key}__paths"
    shown = st.session_state.get(shown_key)
    if key in st.session_state and shown is not None and shown != paths:
        i = st.session_state[key]
        if isinstance(i, int) and 0 <= i < len(shown) and shown[i] in paths:
            st.session_state[key] = paths.index(shown[i])
        else:  # that run is gone: fall back to the shared current run
            del st.session_state[key]
    st.session_state[shown_key] = list(paths)


def select_run(path: str | Path) -> None:
    """Make a run the current one on every page (e.g. after training it)."""
    st.session_state[RUN_KEY] = str(path)


def show_error(e: Exception) -> None:
    """A user-facing error as one sentence on the page."""
    st.error(str(e) if isinstance(e, LabError) else f"Something went wrong ({type(e).__name__}).")


# --- waveform settings carried from the Waveforms page to the Train page -----------------------
SPEC_KEY = "lab_waveform_spec"  # core.config.to_dict() of the WaveformSpec the Train page trains on
STICKY_KEY = "lab_sticky"  # last values of widgets that keep their value across page switches


def use_spec_for_training(spec) -> None:
    """Make the Train page generate its images with this WaveformSpec."""
    from core.config import to_dict

    st.session_state[SPEC_KEY] = to_dict(spec)


def training_spec():
    """(WaveformSpec, True) as stored by the Waveforms page, else (the default spec, False)."""
    from core.config import from_dict
    from core.data.waveforms import WaveformSpec

    stored = st.session_state.get(SPEC_KEY)
    if stored is not None:
        try:
            return from_dict(WaveformSpec, dict(stored), "waveform"), True
        except LabError:
            st.session_state.pop(SPEC_KEY, None)
    return WaveformSpec(), False


def sticky(key: str, default, options=None):
    """Seed widget `key` with its value from the last visit (or `default`); returns the key.

    Streamlit forgets a widget's value when another page runs; create the widget with
    `key=sticky(key, default)` and no `value=` so it comes back as the user left it. With
    `options`, a value outside them (None, a stale index) falls back to the last valid one.
    """
    saved = st.session_state.setdefault(STICKY_KEY, {})
    value = st.session_state.get(key, saved.get(key, default))
    if options is not None and value not in options:  # e.g. None from a widget re-created empty
        value = saved.get(key, default) if saved.get(key, default) in options else default
    # Assigned on every run, not only when missing. The browser adopts a widget's value only from
    # a run that assigned its key; otherwise it keeps its own, or the widget's default where it
    # never had one. A run cut short before it drew the widget (a click while the page is still
    # loading) then left the browser drawing it at that default on the next run, and its next
    # message sent the default back: settings in the closed Advanced settings expander turned
    # into 0, 1 or "" that way. And a choice a run did not draw (an early return after a
    # rejected upload) keeps its value, and the browser is told it again when it returns.
    st.session_state[key] = value
    saved[key] = value
    return key


def set_sticky(key: str, value) -> None:
    """Set a sticky widget's value (from a callback, before the widget is drawn)."""
    st.session_state[key] = value
    st.session_state.setdefault(STICKY_KEY, {})[key] = value


def page_link(page: str, label: str, icon: str | None = None) -> None:
    """st.page_link to another page of the app; plain text where the page is not registered
    (a page opened on its own, as AppTest does, knows no other pages)."""
    from streamlit.errors import StreamlitAPIException

    try:
        st.page_link(page, label=label, icon=icon)
    except StreamlitAPIException:
        st.markdown(f"{icon or ''} {label}")


# --- the two runs the Compare page shows (set by a finished classroom scenario) ----------------
COMPARE_KEY = "lab_compare_runs"  # [path of run A, path of run B]


def set_compare_runs(paths) -> None:
    """Make the Compare page open on these runs (A, B)."""
    st.session_state[COMPARE_KEY] = [str(p) for p in paths][:2]


def compare_runs() -> list[str]:
    """The run folders the Compare page should show ([] if none were chosen for it)."""
    return list(st.session_state.get(COMPARE_KEY) or [])
