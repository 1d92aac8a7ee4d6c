"""The calendar core stays free of Django, so deadline rules work (and are benchmarked) without it."""

import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def test_core_modules_do_not_import_django():
    probe = (
        "import sys, congvu.workcal, congvu.workcal.core, congvu.workcal.official, congvu.workcal.public_holidays;"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], env={"PYTHONPATH": str(SRC)}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
