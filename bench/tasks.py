def noop(i: int) -> int:
    """A task that does nothing, to measure the queue itself."""
    return i
