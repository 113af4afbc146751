"""The embedded PostgreSQL outlives no one: a process killed with SIGKILL stays registered only until the next
start notices it is gone, and the last live user stops the server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil

_START = (
    "import sys; from pathlib import Path; from db import embedded\n"
    "embedded.start(Path(sys.argv[1]))\n"
    "print('ready', flush=True)\n"
    "if sys.argv[2] == 'wait': sys.stdin.readline()\n"
)


def _postmaster(data_dir: Path) -> psutil.Process | None:
    """The running server of this data folder, if any."""
    pid_file = data_dir / "postgres" / "postmaster.pid"
    if not pid_file.exists():
        return None
    pid = int(pid_file.read_text().splitlines()[0])
    try:
        process = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return None
    return process if process.is_running() and process.status() != psutil.STATUS_ZOMBIE else None


def _start(data_dir: Path, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _START, str(data_dir), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONPATH": os.getcwd()},
    )


def test_the_server_of_a_killed_process_is_stopped_by_the_last_user(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    killed = _start(data_dir, "wait")
    try:
        assert killed.stdout is not None
        assert killed.stdout.readline().strip() == "ready", killed.stderr.read() if killed.stderr else ""
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=60)
        assert _postmaster(data_dir) is not None  # nobody stopped it: the server runs on after SIGKILL

        # The next process joins the same server, then exits normally: it is the last live user.
        after = _start(data_dir, "exit")
        out, err = after.communicate(timeout=120)
        assert after.returncode == 0, err
        assert out.strip() == "ready"
        assert _postmaster(data_dir) is None
    finally:
        if (left := _postmaster(data_dir)) is not None:  # never leave a server behind on a failed run
            left.terminate()
            left.wait(timeout=60)
