"""CNN Kernel Lab engine: waveform data, networks, training runs, run storage, scope images.

Never imports streamlit: the app's pages call into this package and draw what it returns.
"""

from core.errors import ImageReadError, LabError, RunError

__all__ = ["LabError", "ImageReadError", "RunError"]
