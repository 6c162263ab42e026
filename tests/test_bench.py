"""`python -m core bench` runs end to end in its quick mode and prints a table of every measure."""

from core.bench import format_table, run_benchmarks


def test_quick_bench_measures_everything():
    rows = run_benchmarks(quick=True)
    names = " | ".join(r["measure"] for r in rows)
    for part in ("generation", "forward+backward", "to 99%", "paper", "capture", "generated"):
        assert part in names
    gen = next(r for r in rows if r["measure"] == "waveform generation")
    assert gen["value"] > 1000 and gen["ok"] in (True, False)
    table = format_table(rows)
    assert table.splitlines()[0].split()[:2] == ["measure", "value"]
    assert len(table.splitlines()) == len(rows) + 2
