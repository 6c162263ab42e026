"""Reading captures: any image file a student brings -> the network's one-bit input.

`imagefile` reads the file safely (format from the content, size limits, huge files reduced;
bytes-level checks in `formats`, pixel conversion and transparency in `pixels`); `orient` tries a
photo both as its EXIF tag says and as stored; `pipeline` finds the plot area, the background and
the trace, and rasterises it (stages in `plotarea`, `palette`, `tracepick`, `masks`, `rasterise`,
private to this package); `search` is the automatic reading (several tries, the most
waveform-like kept). Callers use the names below.
"""

from core.capture.imagefile import (
    CAPTURE_MAX_SIDE,
    MAX_PIXELS,
    SUPPORTED_EXTENSIONS,
    read_image,
    read_image_u8,
    source_name,
)
from core.capture.orient import Reading, capture_file, choose_reading, read_orientations
from core.capture.palette import COLOUR_NAMES
from core.capture.pipeline import (
    CaptureResult,
    extract_trace,
    to_network_input,
    waveform_likeness,
)
from core.capture.plotarea import find_plot_area
from core.capture.rasterise import FILL, MAX_GAIN, centre_line, rasterise
from core.capture.search import read_capture

__all__ = [
    "CAPTURE_MAX_SIDE",
    "COLOUR_NAMES",
    "FILL",
    "MAX_GAIN",
    "MAX_PIXELS",
    "Reading",
    "SUPPORTED_EXTENSIONS",
    "CaptureResult",
    "capture_file",
    "centre_line",
    "choose_reading",
    "extract_trace",
    "find_plot_area",
    "rasterise",
    "read_capture",
    "read_image",
    "read_orientations",
    "read_image_u8",
    "source_name",
    "to_network_input",
    "waveform_likeness",
]
