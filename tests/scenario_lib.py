"""What the scenario scripts share: waiting for a condition of a running daemon.

The scripts import it from their own directory (Python puts a script's
directory first on sys.path).
"""
import time


def poll(condition, timeout=15.0, interval=0.05):
    """The first true value of condition() within timeout seconds, else None."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    return None


def wait_for(what, condition, timeout=20.0, interval=0.05):
    """As poll(), but a timeout is a failure naming what was awaited."""
    value = poll(condition, timeout, interval)
    if not value:
        raise AssertionError(f"timed out waiting for {what}")
    return value
