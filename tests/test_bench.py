"""`python -m core bench` runs end to end in its quick mode and prints a table of every measure."""

from core.bench import bench_steadiness, format_table, run_benchmarks


def test_quick_bench_measures_everything():
    rows = run_benchmarks(quick=True)
    names = " | ".join(r["measure"] for r in rows)
    for part in (
        "generation",
        "forward+backward",
        "to 99%",
        "paper",
        "capture",
        "generated",
        "moved 1 px",
    ):
        assert part in names
    gen = next(r for r in rows if r["measure"] == "waveform generation")
    assert gen["value"] > 1000 and gen["ok"] in (True, False)
    # Cut at 2 epochs, the quick run gives the time-to-99% row no verdict either way.
    fast = next(r for r in rows if r["measure"].startswith("fast preset to 99%"))
    assert fast["ok"] is None and fast["value"] > 0
    table = format_table(rows)
    assert table.splitlines()[0].split()[:2] == ["measure", "value"]
    assert len(table.splitlines()) == len(rows) + 2


def test_steadiness_rows_count_the_example_runs_own_images_answered_right_and_sure():
    rows = {r["measure"].split(":")[0]: r["value"] for r in bench_steadiness(quick=True)}
    right, n = map(int, rows["example run, own images as drawn"].split("/"))
    assert n == 60 and right >= 54  # the shipped network knows its own kind of image
    for name in ("moved 1 px", "8% blank margins"):
        k, m = map(int, rows[f"example run, own images {name}"].split("/"))
        assert m == n and 0 <= k <= n
    assert rows["example run, own images"].endswith("%")  # the share of answers kept
