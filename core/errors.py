"""Errors a user can cause; the message is a sentence the UI shows as it is."""


class LabError(Exception):
    """A user-facing error: bad input, an impossible setting, a damaged run folder."""


class ImageReadError(LabError):
    """An uploaded or named image that cannot be read (corrupt, too large, not an image)."""


class RunError(LabError):
    """A run folder that is missing, damaged or incomplete."""
