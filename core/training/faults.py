"""Named points where a test can have a real training process stop dead, to kill it right there.

Set KERNEL_LAB_FAULT_AT to `name` or `name@n` (the n-th time that point is reached, from 1); the
process then prints `FAULT-POINT name n` on stderr and sleeps until it is killed. Unset, each point
costs one dictionary look-up. Points: `event:<kind>` after a training event is recorded,
`write:<what>` when a file's temporary copy is whole but not yet renamed over it (what is
snapshots, metrics, model, heartbeat, status:<status>, or config.json).
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter

ENV_FAULT_AT = "KERNEL_LAB_FAULT_AT"
_seen: Counter = Counter()


def fault_point(name: str) -> None:
    """Stop dead here if the environment asks for this point (for crash tests)."""
    want = os.environ.get(ENV_FAULT_AT)
    if not want:
        return
    point, _, nth = want.partition("@")
    if point != name:
        return
    _seen[name] += 1
    if _seen[name] != (int(nth) if nth.isdigit() else 1):
        return
    sys.stderr.write(f"FAULT-POINT {name} {_seen[name]}\n")
    sys.stderr.flush()
    while True:  # wait for the test's kill
        time.sleep(60)
