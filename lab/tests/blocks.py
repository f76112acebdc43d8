"""Address blocks of the lab tests.

Every test file that starts a lab takes a block of its own; every pytest-xdist worker takes its
own range of blocks (`make lab-test` runs two workers), so that labs of parallel workers never
collide on loopback addresses: worker N uses 127.0.(50 + 20 N + number).0/24.
"""
import os

FIRST = 50
PER_WORKER = 20


def worker_index():
    """0 without xdist; N for the worker gwN."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(name.removeprefix("gw"))


def block(number):
    """The /24 with this number (0 to 19) for the running worker, in CIDR notation."""
    return f"{base(number)}.0/24"


def address(number, offset):
    """The address at `offset` in block `number`."""
    return f"{base(number)}.{offset}"


def base(number):
    if not 0 <= number < PER_WORKER:
        raise ValueError(f"block number {number} is outside 0..{PER_WORKER - 1}")
    return f"127.0.{FIRST + PER_WORKER * worker_index() + number}"
