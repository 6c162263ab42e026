"""Claims: each claim of the study in its own words, measured over seeds by a sweep, a chart and a
one-sentence verdict; any row can be re-run through the sweep engine."""

from __future__ import annotations

import streamlit as st

from core.errors import LabError
from core.training.claims import claim_stats, measured, verdict
from ui import claims as uc
from ui.state import show_error

st.set_page_config(page_title="Claims · CNN Kernel Lab", page_icon="🔬", layout="wide")


def follow(key: str, polling: bool) -> None:
    """A re-run's progress, then its numbers next to the shipped ones."""
    claim = next(c for c in uc.claims() if c.key == key)
    job = uc.rerun_of(claim)
    if job is None:
        return
    if not job.finished:
        st.progress(job.done / job.total, text=f"Re-running {job.setting}: {job.done} of "
                    f"{job.total} runs done ({uc.elapsed(job)})")  # fmt: skip
        return
    if polling:
        st.rerun()
    if job.error:
        st.error(job.error)
        return
    st.markdown(f"**Your re-run of {job.setting}** ({len(job.rows)} runs, in `{job.out}`):")
    st.dataframe(uc.stats_frame(claim, job.rows), hide_index=True, key=f"cl_rerun_table_{key}")


def show_claim(claim, rows: list[dict], workers: int) -> None:
    st.subheader(claim.title)
    st.markdown(f"> *{claim.quote}*")
    chart, table = st.columns([3, 2], gap="large")
    chart.altair_chart(uc.chart(claim, rows), key=f"cl_chart_{claim.key}")
    table.dataframe(uc.stats_frame(claim, rows), hide_index=True, key=f"cl_table_{claim.key}")
    table.caption(f"Measured: {measured(claim)}")
    st.success(f"**Verdict:** {verdict(claim, rows)}", icon=":material/gavel:")
    settings = [s.setting for s in claim_stats(claim, rows)]
    pick, button = st.columns([3, 2], vertical_alignment="bottom")
    setting = pick.selectbox("Re-run a row (every seed)", settings, key=f"cl_pick_{claim.key}")
    busy = uc.any_running()
    seconds = uc.seconds_for(claim, setting, rows, workers)
    button.button(
        f"Re-run it (about {seconds:.0f} s of training)", key=f"cl_rerun_{claim.key}",
        icon=":material/replay:", disabled=busy, on_click=uc.start_rerun, args=(claim, setting),
    )  # fmt: skip
    job = uc.rerun_of(claim)
    if job is not None:
        if job.finished:
            follow(claim.key, polling=False)
        else:
            st.fragment(follow, run_every=1.0)(claim.key, polling=True)


def main() -> None:
    st.title("The study's claims, measured")
    st.caption(
        "The study drew its conclusions from single runs. Here each claim is measured over five "
        "seeds per setting by a sweep (`python -m core sweep`) that ships with the lab, on "
        "smaller data and fewer epochs than the study used, so each verdict holds for what was "
        "measured, written under each table. Re-run any row to check it on this computer."
    )
    for claim in uc.claims():
        with st.container(border=True):
            try:
                rows, workers = uc.shipped(claim.sweep)
            except LabError as e:
                st.subheader(claim.title)
                show_error(e)
                continue
            show_claim(claim, rows, workers)


main()
