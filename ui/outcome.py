"""Saying plainly, on every page that shows a run, when that run did not learn."""

from __future__ import annotations

import streamlit as st

from core.training.outcome import run_verdict
from core.training.runs import Run


def learning_warning(run: Run | None) -> bool:
    """A warning with the verdict and what to change when `run` learned nothing; True if shown."""
    verdict = run_verdict(run) if run is not None else None
    if not verdict:
        return False
    st.warning(
        f"**This run did not learn**, so its kernels and answers mean little. {verdict}",
        icon=":material/report:",
    )
    return True
