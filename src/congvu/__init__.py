"""congvu: one-stop administrative-procedure system for Vietnamese provinces."""

__version__ = "0.1.0"
