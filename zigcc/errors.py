"""The one exception type zigcc raises for bad input; the CLI prints it as one line."""


class ZigccError(Exception):
    """A user-facing error: its message names the bad value and suggests the fix."""
