"""Write the bundled scope sample screenshots to examples/scope/*.png."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core.data.scope_samples import SAMPLE_NAMES, write_samples  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO / "examples" / "scope")
    args = parser.parse_args(argv)
    for path in write_samples(args.out, SAMPLE_NAMES):
        print(f"{path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
