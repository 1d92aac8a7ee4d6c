"""The bulk generator lives in the package (`congvu.core.generation`, run as `congvu manage generate`); this name
stays for the bench scripts and tests that import `generate` from bench/."""

from congvu.core.generation import *  # noqa: F401,F403
from congvu.core.generation import Generator, Place, Stats, Table, generate, setup_place  # noqa: F401
