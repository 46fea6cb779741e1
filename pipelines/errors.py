"""Errors shared by the extraction modules."""


class UnreadableInput(Exception):
    """The input could not be read at all (missing, corrupt, encrypted, unsupported)."""
