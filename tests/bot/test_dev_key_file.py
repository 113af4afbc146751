"""The development key file: made once however many processes start together, refused in one sentence when damaged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from integrations.vault import DEV_KEY_FILE, parse_keys
from tests.bot.test_cli import _run

# Each process waits for a line on stdin before each round, so all of them reach the key file at the same
# moment; between rounds the test removes the file, so every round is a first start.
_LOAD = (
    "import sys; from pathlib import Path; from integrations.vault import load_or_create_dev_keys\n"
    "for _ in sys.stdin: print(load_or_create_dev_keys(Path(sys.argv[1])), flush=True)"
)
PROCESSES = 40
ROUNDS = 10


def test_processes_creating_the_key_file_at_once_all_read_the_same_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = os.environ | {"PYTHONPATH": os.getcwd()}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _LOAD, str(data_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(PROCESSES)
    ]
    try:
        for _round in range(ROUNDS):
            (data_dir / DEV_KEY_FILE).unlink(missing_ok=True)
            for process in processes:
                assert process.stdin is not None
                process.stdin.write("go\n")
                process.stdin.flush()
            # Each process answers the round before it reads the next line.
            specs = {_answer(process) for process in processes}
            assert len(specs) == 1, f"{len(specs)} different keys read in one round of {PROCESSES} starts"
            (spec,) = specs
            assert len(parse_keys(spec)) == 1
            assert spec == (data_dir / DEV_KEY_FILE).read_text().strip()
            assert [p.name for p in data_dir.iterdir()] == [DEV_KEY_FILE], "a temporary file was left behind"
            assert (data_dir / DEV_KEY_FILE).stat().st_mode & 0o777 == 0o600
    finally:
        for process in processes:
            assert process.stdin is not None
            process.stdin.close()
        for process in processes:
            process.wait(timeout=60)
    errors = [process.stderr.read() for process in processes if process.stderr is not None]
    assert [e for e in errors if e.strip()] == []


def _answer(process: subprocess.Popen[str]) -> str:
    """The key spec the process read this round, or its error when it died."""
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=60)
        assert process.stderr is not None
        return "died: " + process.stderr.read().strip().splitlines()[-1]
    return line.strip()


def test_an_empty_key_file_stops_run_with_one_sentence(tmp_path: Path) -> None:
    (tmp_path / DEV_KEY_FILE).write_text("")
    result = _run(["run"], {"TELEGRAM_BOT_TOKEN": "123:abc", "COACH_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert f"The development key file {tmp_path / DEV_KEY_FILE} is empty" in result.stderr


def test_a_damaged_key_file_is_refused_without_echoing_it(tmp_path: Path) -> None:
    (tmp_path / DEV_KEY_FILE).write_text("dev1:c2VjcmV0LWJ1dC1zaG9ydA\n")
    result = _run(["run"], {"TELEGRAM_BOT_TOKEN": "123:abc", "COACH_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "c2VjcmV0LWJ1dC1zaG9ydA" not in result.stderr
    assert f"The development key file {tmp_path / DEV_KEY_FILE} is damaged" in result.stderr
