"""Point-in-time recovery drill with the deployment's own pgBackRest configuration and scripts.

A PostgreSQL cluster archives its WAL through pgBackRest (``deploy/postgres``), takes a base backup with
``pitr-backup.sh``, is written to before and after a chosen instant, then restored with ``pitr-restore.sh``
to that instant: exactly the rows written before it are there.

It needs PostgreSQL's server binaries and pgBackRest (Debian's ``pgbackrest``; CI installs it) and is skipped,
saying so, where they are missing.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "postgres"


def _server_bin() -> Path | None:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


BIN = _server_bin()
pytestmark = pytest.mark.skipif(
    BIN is None or shutil.which("pgbackrest") is None,
    reason="needs PostgreSQL server binaries and pgBackRest (apt-get install postgresql pgbackrest)",
)


def _user() -> str | None:
    """Run the cluster as `postgres` when we are root (initdb refuses root)."""
    return "postgres" if os.geteuid() == 0 else None


def _run(args: list[str], env: dict[str, str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    user = _user()
    command = ["runuser", "-u", user, "--", *args] if user else args
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=300)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _sql(env: dict[str, str], query: str) -> str:
    assert BIN is not None
    psql = shutil.which("psql") or str(BIN / "psql")
    return _run([psql, "-X", "-At", "-d", "coach_watts", "-c", query], env).stdout.strip()


@pytest.fixture
def base() -> Iterator[Path]:
    """A folder the cluster's user can reach (pytest's own temporary folders are private to us)."""
    folder = Path(tempfile.mkdtemp(prefix="coach-watts-pitr-"))
    try:
        for name in ("data", "repo", "log", "lock", "spool", "run"):
            (folder / name).mkdir()
        if (user := _user()) is not None:
            entry = pwd.getpwnam(user)
            for path in [folder, *folder.iterdir()]:
                os.chown(path, entry.pw_uid, entry.pw_gid)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_restore_to_an_instant_gives_back_exactly_what_was_written_before_it(base: Path) -> None:
    assert BIN is not None
    port = _free_port()
    data, run = base / "data", base / "run"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PGHOST": str(run),
        "PGPORT": str(port),
        "PGUSER": "coach",
        # The deployment's own configuration, with this cluster's paths put over it (pgBackRest reads
        # PGBACKREST_* variables before its config file).
        "PGBACKREST_CONFIG": str(DEPLOY / "pgbackrest.conf"),
        "PGBACKREST_STANZA": "coach",
        "PGBACKREST_REPO1_PATH": str(base / "repo"),
        "PGBACKREST_PG1_PATH": str(data),
        "PGBACKREST_PG1_SOCKET_PATH": str(run),
        "PGBACKREST_PG1_PORT": str(port),
        "PGBACKREST_LOG_PATH": str(base / "log"),
        "PGBACKREST_LOCK_PATH": str(base / "lock"),
        "PGBACKREST_SPOOL_PATH": str(base / "spool"),
    }
    _run([str(BIN / "initdb"), "-D", str(data), "-U", "coach", "--auth=trust"], env)
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"port = {port}\nunix_socket_directories = '{run}'\nlisten_addresses = ''\n"
            "wal_level = replica\narchive_mode = on\narchive_command = 'pgbackrest --stanza=coach archive-push %p'\n"
        )
    pg_ctl = str(BIN / "pg_ctl")
    _run([pg_ctl, "-D", str(data), "-l", str(base / "log" / "pg.log"), "-w", "start"], env)
    try:
        _run([str(BIN / "createdb"), "coach_watts"], env)
        _sql(env, "CREATE TABLE ride (id int PRIMARY KEY, note text)")
        _run([str(DEPLOY / "pitr-backup.sh"), "full"], env)
        # pgBackRest records the backup's stop time in whole seconds, and a target must come after it: wait
        # (on the server's clock) until that second has passed before writing what the target keeps.
        info = json.loads(_run(["pgbackrest", "--stanza=coach", "--output=json", "info"], env).stdout)
        stop = int(info[0]["backup"][-1]["timestamp"]["stop"])
        _sql(env, f"SELECT pg_sleep(greatest(0, {stop} + 1.05 - extract(epoch FROM clock_timestamp())))")

        _sql(env, "INSERT INTO ride VALUES (1, 'before the backup target')")
        # The instant to return to, as the server's clock (microseconds) sees it between the two commits.
        target = _sql(env, "SELECT now()")
        _sql(env, "INSERT INTO ride VALUES (2, 'after the target: must not come back')")
        _sql(env, "SELECT pg_switch_wal()")
        _run(["pgbackrest", "--stanza=coach", "check"], env)  # waits until the switched segment is archived
    finally:
        _run([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], env, check=False)

    restored = _run([str(DEPLOY / "pitr-restore.sh"), target], env)
    assert "Restored to" in restored.stdout
    _run([pg_ctl, "-D", str(data), "-l", str(base / "log" / "pg2.log"), "-w", "-t", "120", "start"], env)
    try:
        assert _sql(env, "SELECT id, note FROM ride ORDER BY id") == "1|before the backup target"
        # The server promotes itself once WAL is replayed to the target: wait for that, then write.
        _sql(env, "DO $$ BEGIN WHILE pg_is_in_recovery() LOOP PERFORM pg_sleep(0.05); END LOOP; END $$")
        _sql(env, "INSERT INTO ride VALUES (3, 'open for writes again')")
    finally:
        _run([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], env, check=False)
