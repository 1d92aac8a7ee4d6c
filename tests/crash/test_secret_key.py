"""The secret key generated into a new data dir: the web workers and the worker start together, and all of them
must end up with the same complete key, readable by the owner only, with no temporary file left behind."""

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STARTERS = 10


def test_processes_starting_together_share_one_private_key(tmp_path):
    data = tmp_path / "data"
    go = tmp_path / "go"
    env = {**os.environ, "CONGVU_DATA_DIR": str(data), "PYTHONPATH": str(REPO / "src")}
    env.pop("CONGVU_SECRET_KEY", None)
    # Each process waits for the same moment, then reads the settings as a starting server or worker does.
    code = (f"import os, time\nwhile not os.path.exists({str(go)!r}): time.sleep(0.001)\n"
            "import congvu.settings as s\nprint(s.SECRET_KEY)")
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True) for _ in range(STARTERS)]
    time.sleep(1)
    go.touch()
    keys = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert len(set(keys)) == 1 and len(keys[0]) >= 50, keys
    key_file = data / "secret_key"
    assert key_file.read_text() == keys[0]
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in data.iterdir() if p.name.startswith(".secret_key")) == []
