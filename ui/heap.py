"""Keep Streamlit's garbage collection after every script run cheap.

Streamlit runs a full `gc.collect(2)` after every script run, fragment reruns included
(`runner.postScriptGC`). With torch, pandas and Altair loaded a full collection walks about 280,000
objects: 250-450 ms measured on the 2-core machine, every second for every session whose Train
page follows a run, which starved training (issue 11) and the other sessions (issue 13).
The modules' objects live as long as the server: moving them to the permanent generation
(`gc.freeze`) means each collection looks only at the objects made since (measured on the app's
imports alone: 0.45 s -> 2 us). In the live server the objects made since still cost ~0.15 s a
collection, so .streamlit/config.toml also turns the post-run collection off; this freeze keeps
Python's own automatic full collections cheap.
"""

from __future__ import annotations

import gc
import sys
import threading

_lock = threading.Lock()
_frozen_at = 0  # len(sys.modules) when the heap was last frozen


def settle_heap() -> bool:
    """Freeze the objects alive now if modules were imported since the last call; True if it did.

    Call at the end of a script run: the first run of each page imports its modules, later runs
    find nothing new and return at once. Garbage is collected first, so none is frozen.
    """
    global _frozen_at
    with _lock:
        if len(sys.modules) == _frozen_at:
            return False
        gc.collect()
        gc.freeze()
        _frozen_at = len(sys.modules)
        return True
