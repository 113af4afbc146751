"""The ``coach-watts`` command: run, chat, migrate, demo, import-fit, sync, jobs, backup, restore, rotate-keys.

Every subcommand builds `Settings` once, opens the database (embedded unless ``DATABASE_URL`` is set)
and ends with one clear sentence and a non-zero exit when something outside the program is wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.routing import BaseRoute
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot import backups
from bot.app import build_application, polling, webhook
from bot.asgi_server import BackgroundServer
from bot.backups import RestoreRefused
from bot.console.botapi import LocalBotApi
from bot.console.repl import CONSOLE_USER_ID, CONSOLE_USER_NAME, Console
from bot.context import AppContext, utc_now
from bot.fit_import import FitImport, import_fit
from bot.http.deps import HttpDeps
from bot.jobs import housekeeping
from bot.jobs.plan import PlanJobs
from bot.jobs.reconcile import Reconciler
from bot.jobs.runner import JobRunner
from bot.logs import configure as configure_logging
from bot.runtime import load_lookups, open_database, open_llm, open_vault, settle_heap
from bot.scheduler import BriefScheduler
from bot.serve import (
    attach,
    attach_calendar,
    attach_reports,
    attach_sync,
    build_connector,
    build_http_app,
    job_runner,
    provider_webhooks,
)
from bot.settings import PROVIDERS, Settings
from bot.sync_chat import ChatSyncs
from bot.telegram_webhook import TelegramWebhook
from bot.texts import fit as texts_fit
from bot.texts import sync as texts_sync
from coach import day_loads, demo
from db.backup import BackupError
from db.errors import DatabaseUnavailable
from db.models import User
from db.repositories import daily_loads, metrics, users, workouts
from db.repositories import jobs as jobs_repo
from integrations.fit import MAX_FIT_BYTES, FitImportError, FitTooLarge
from integrations.fit.store import summary_json
from integrations.sync.engine import FAILED, SyncEngine
from integrations.tokens import rotate_keys
from integrations.vault import VaultConfigError, generate_key_spec
from migrations import runner as migrations

logger = logging.getLogger(__name__)

EXIT_CONFIG = 2
EXIT_SOME_FILES_REFUSED = 1
# A fixed token for the in-process Bot API of the console; it unlocks nothing anywhere else.
CONSOLE_TOKEN = "1000000000:local-console-token-not-a-secret"  # noqa: S105


class UsageError(Exception):
    """Something the person running the command must change; the message says what."""


def _secrets(settings: Settings) -> list[str]:
    return settings.secret_values()


# --------------------------------------------------------------------------- run


async def _run(settings: Settings) -> None:
    if settings.telegram_bot_token is None:
        raise UsageError("TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather, or try `coach-watts chat`.")
    webhook_secret = _webhook_secret(settings)
    vault = open_vault(settings)
    async with open_database(settings) as database, open_llm(settings, database.sessions) as llm:
        ctx = AppContext(settings=settings, sessions=database.sessions, llm=llm)
        runner = job_runner(ctx)  # kinds are declared while wiring, started below
        connector = build_connector(settings, ctx, vault)
        app = build_application(
            ctx,
            token=settings.telegram_bot_token.get_secret_value(),
            base_url=settings.telegram_api_base_url,
            base_file_url=settings.file_base_url,
            polling=webhook_secret is None,
        )
        deps = attach(ctx, app, connector)
        receiver = (
            TelegramWebhook(app, runner, secret=webhook_secret, vault=vault) if webhook_secret is not None else None
        )
        syncs = attach_sync(ctx, app, connector)
        attach_calendar(ctx, app, syncs)
        attach_reports(ctx, app)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        try:
            hooks = provider_webhooks(settings, syncs, ctx.clock, runner)
            routes = [receiver.route()] if receiver is not None else []
            routes += hooks.routes()
            await load_lookups()
            async with _http_server(settings, deps, webhook_routes=routes), _updates(app, settings, receiver):
                deps.bot_url = f"https://t.me/{app.bot.username}"
                how = f"receives updates at {settings.telegram_webhook_url}" if receiver else "is polling"
                logger.info("bot @%s %s (Bot API %s)", app.bot.username, how, settings.telegram_api_base_url)
                # The morning briefs tick in this same event loop; every process may run one (see bot.scheduler).
                scheduler = BriefScheduler(app, ctx, request_sync=syncs.request_sync)
                settle_heap()
                scheduler.start()
                jobs = background_jobs(ctx, app, syncs)
                await jobs.start()
                try:
                    await stop.wait()
                finally:
                    if receiver is not None:  # the updates in hand finish while the job runner still runs
                        await receiver.stop()
                    await jobs.stop()
                    await scheduler.stop()
                    await syncs.stop()
        except InvalidToken as err:
            raise UsageError("Telegram refused TELEGRAM_BOT_TOKEN; check the token from @BotFather.") from err
        except NetworkError as err:
            raise UsageError(
                f"Cannot reach the Telegram Bot API at {settings.telegram_api_base_url} ({type(err).__name__}); "
                "check TELEGRAM_API_BASE_URL and the network."
            ) from err
        finally:
            await syncs.engine.aclose()
            await connector.aclose()


def background_jobs(ctx: AppContext, app: Application, syncs: ChatSyncs) -> JobRunner:  # type: ignore[type-arg]
    """This process's job runner (``ctx.jobs``) with the periodic kinds declared (start it; every process runs one)."""
    settings = ctx.settings
    jobs = job_runner(ctx)
    Reconciler(
        syncs.engine,
        ctx.sessions,
        days=settings.sync_reconcile_days,
        hour=settings.sync_reconcile_hour,
        clock=ctx.clock,
    ).install(jobs)
    housekeeping.install(jobs, ctx.sessions, clock=ctx.clock)
    PlanJobs(app.bot, ctx.sessions, clock=ctx.clock, band_sd=settings.hrv_band_sd).install(jobs)
    return jobs


def _webhook_secret(settings: Settings) -> str | None:
    """The secret for webhook mode, None for polling; webhook mode without a secret does not start."""
    if settings.telegram_webhook_url is None:
        return None
    if settings.telegram_webhook_secret is None:
        raise UsageError(
            "TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not; set a secret of 1-256 letters, "
            "digits, _ or - so that only Telegram can post updates (or unset the URL to poll)."
        )
    return settings.telegram_webhook_secret.get_secret_value()


@asynccontextmanager
async def _updates(
    app: Application,  # type: ignore[type-arg]
    settings: Settings,
    receiver: TelegramWebhook | None,
) -> AsyncIterator[None]:
    """Updates by polling (the default) or through the webhook receiver (TELEGRAM_WEBHOOK_URL)."""
    if receiver is None or settings.telegram_webhook_url is None or settings.telegram_webhook_secret is None:
        async with polling(app):
            yield
        return
    secret = settings.telegram_webhook_secret.get_secret_value()
    async with webhook(app, url=settings.telegram_webhook_url, secret=secret):
        await receiver.start()
        try:
            yield
        finally:
            await receiver.stop()


@asynccontextmanager
async def _http_server(
    settings: Settings, deps: HttpDeps, *, required: bool = True, webhook_routes: Sequence[BaseRoute] = ()
) -> AsyncIterator[BackgroundServer | None]:
    """The OAuth callback and health-check server, in this event loop, on HTTP_HOST:HTTP_PORT.

    The console (``required=False``) carries on without it when the port is taken (a running bot has
    it); only connecting providers from the console is then impossible.
    """
    app = build_http_app(deps, webhook_routes=webhook_routes)
    server = BackgroundServer(app, host=settings.http_host, port=settings.http_port)
    try:
        await server.start()
    except OSError as err:
        if not required:
            logger.warning("no HTTP server: cannot listen on %s:%s", settings.http_host, settings.http_port)
            yield None
            return
        raise UsageError(
            f"Cannot listen on {settings.http_host}:{settings.http_port} ({err.strerror or err}); "
            "set HTTP_HOST / HTTP_PORT."
        ) from err
    logger.info("HTTP server on %s (public address %s)", server.url, settings.public_base_url)
    try:
        yield server
    finally:
        await server.stop()


# --------------------------------------------------------------------------- chat


async def _console_user_has_data(sessions: async_sessionmaker[AsyncSession]) -> bool:
    async with sessions() as session:
        user = await users.get_by_telegram_id(session, telegram_user_id=CONSOLE_USER_ID)
        if user is None:
            return False
        return await workouts.count(session, user_id=user.id) + await metrics.count(session, user_id=user.id) > 0


async def _load_demo_for(sessions: async_sessionmaker[AsyncSession], telegram_user_id: int, name: str) -> demo.DemoLoad:
    async with sessions.begin() as session:
        link = await users.link_telegram_user(
            session, telegram_user_id=telegram_user_id, chat_id=telegram_user_id, name=name
        )
        return await demo.load(session, link.user, now=utc_now())


async def _chat(settings: Settings, *, demo_if_empty: bool) -> None:
    async with open_database(settings) as database:
        api = LocalBotApi(CONSOLE_TOKEN)
        console = Console(api, settings.data_dir / "console-files")
        notice = None
        if not await _console_user_has_data(database.sessions):
            if demo_if_empty:
                result = await _load_demo_for(database.sessions, CONSOLE_USER_ID, CONSOLE_USER_NAME)
                notice = (
                    f"(First run: loaded the demo athlete — {result.workouts_written} workouts and "
                    f"{result.days_written} days of recovery data. Ask: how should I train today?)"
                )
            else:
                notice = "(Your database is empty: type /demo to load a demo athlete.)"
        async with BackgroundServer(api.asgi()) as server, open_llm(settings, database.sessions) as llm:
            ctx = AppContext(settings=settings, sessions=database.sessions, llm=llm)
            # The console runs the jobs its commands queue (calendar writes, syncs, reports); the periodic ones
            # are `coach-watts run`'s.
            job_runner(ctx)
            connector = build_connector(settings, ctx, open_vault(settings))
            app = build_application(
                ctx,
                token=CONSOLE_TOKEN,
                base_url=f"{server.url}/bot",
                base_file_url=f"{server.url}/file/bot",
            )
            deps = attach(ctx, app, connector)
            syncs = attach_sync(ctx, app, connector)
            attach_calendar(ctx, app, syncs)
            attach_reports(ctx, app)
            jobs = job_runner(ctx)
            try:
                async with _http_server(settings, deps, required=False), polling(app):
                    await jobs.start()
                    try:
                        await console.run(notice=notice)
                    finally:
                        await jobs.stop()
            finally:
                await syncs.stop()
                await syncs.engine.aclose()
                await connector.aclose()


# --------------------------------------------------------------------------- migrate, demo


async def _migrate(settings: Settings) -> None:
    async with open_database(settings, migrate=False) as database:
        pending = await migrations.pending_revisions(database.engine)
        await migrations.upgrade(database.engine)
        where = "embedded PostgreSQL in " + str(settings.data_dir) if database.embedded else "DATABASE_URL"
        print(f"Database ({where}) is up to date; applied {len(pending)} migration(s).")


async def _demo(settings: Settings, telegram_id: int) -> None:
    async with open_database(settings) as database:
        result = await _load_demo_for(database.sessions, telegram_id, CONSOLE_USER_NAME)
        print(
            f"Demo athlete loaded for Telegram user {telegram_id}: {result.workouts_written} workouts and "
            f"{result.days_written} days of recovery data written."
        )


# --------------------------------------------------------------------------- import-fit


async def _import_user(sessions: async_sessionmaker[AsyncSession], who: str | None, *, create: bool) -> User | None:
    """``--user`` as our user id or a Telegram id; without it, the console's athlete (created on a real import)."""
    async with sessions.begin() as session:
        if who is None:
            if not create:
                return await users.get_by_telegram_id(session, telegram_user_id=CONSOLE_USER_ID)
            link = await users.link_telegram_user(
                session, telegram_user_id=CONSOLE_USER_ID, chat_id=CONSOLE_USER_ID, name=CONSOLE_USER_NAME
            )
            return link.user
        user = await users.get(session, user_id=who)
        if user is None and who.isdigit():
            user = await users.get_by_telegram_id(session, telegram_user_id=int(who))
        if user is None:
            raise UsageError(f"No user {who!r}: give a user id or the Telegram id of someone who has sent /start.")
        return user


def _read_fit(path: Path) -> bytes:
    """The file's bytes, refusing an oversized file before reading it into memory."""
    try:
        size = path.stat().st_size
        if size > MAX_FIT_BYTES:
            raise FitTooLarge(size, MAX_FIT_BYTES)
        return path.read_bytes()
    except OSError as err:
        raise UsageError(f"Cannot read {path}: {err.strerror or err}.") from err


def _import_line(path: Path, result: FitImport, *, dry_run: bool) -> str:
    outcome = "dry run, nothing stored" if dry_run else "already imported" if result.duplicate else "stored"
    return f"{path}: {texts_fit.fit_summary_line(result.summary)} — {outcome}"


async def _import_fit(
    settings: Settings, paths: Sequence[Path], *, who: str | None, ftp_w: float | None, as_json: bool, dry_run: bool
) -> int:
    refused = 0
    async with open_database(settings) as database:
        user = await _import_user(database.sessions, who, create=not dry_run)
        for path in paths:
            try:
                results = await import_fit(database.sessions, _read_fit(path), user=user, ftp_w=ftp_w, dry_run=dry_run)
            except (FitImportError, UsageError) as err:
                refused += 1
                if as_json:
                    print(json.dumps({"file": str(path), "error": str(err)}))
                else:
                    print(f"{path}: refused — {err}", file=sys.stderr)
                continue
            if as_json:
                records = [_json_record(path, result) for result in results]
                print(json.dumps(records[0] if len(records) == 1 else records))
            else:
                for result in results:
                    print(_import_line(path, result, dry_run=dry_run))
    return EXIT_SOME_FILES_REFUSED if refused else 0


def _json_record(path: Path, result: FitImport) -> dict[str, object]:
    """One activity as ``--json`` prints it (README, "Importing FIT files"): the summary plus its power curve."""
    record: dict[str, object] = {"file": str(path), "stored": result.stored, "duplicate": result.duplicate}
    return record | summary_json(result.summary) | {"power_curve": result.summary.curves.power_by_duration()}


# --------------------------------------------------------------------------- rotate-keys


async def _rotate_keys(settings: Settings) -> None:
    vault = open_vault(settings)
    async with open_database(settings) as database:
        result = await rotate_keys(database.sessions, vault)
    print(
        f"Re-encrypted the tokens of {result.resealed} connection(s) under key {vault.active_key_id!r}"
        + (
            f"; {result.unreadable} connection(s) are sealed by a key that is no longer configured "
            "and were left as they are (those users must reconnect)."
            if result.unreadable
            else "; every connection is now under the active key."
        )
    )


def _new_key() -> None:
    print(generate_key_spec())
    print(
        "Put this first in TOKEN_ENCRYPTION_KEYS (comma-separated, keep the old keys after it), restart, "
        "run `coach-watts rotate-keys`, then remove the old keys.",
        file=sys.stderr,
    )


# --------------------------------------------------------------------------- sync


async def _sync(settings: Settings, *, who: str | None, provider: str | None, days: int | None) -> int:
    """Sync connections now: every one, one user's, or one provider's; exit 1 when any failed."""
    vault = open_vault(settings)
    async with open_database(settings) as database:
        ctx = AppContext(settings=settings, sessions=database.sessions)
        connector = build_connector(settings, ctx, vault)
        engine = SyncEngine(
            sessions=database.sessions,
            connector=connector,
            clock=ctx.clock,
            backfill_days=settings.sync_backfill_days,
        )
        try:
            pairs = await engine.connections([provider] if provider else None)
            if who is not None:
                user = await _import_user(database.sessions, who, create=False)
                assert user is not None
                pairs = [(u, p) for u, p in pairs if u == user.id]
            if not pairs:
                print("Nothing to sync: no matching connection (a connection that needs reconnecting is skipped).")
                return 0
            results = await engine.sync_many(pairs, days=days)
        finally:
            await engine.aclose()
            await connector.aclose()
    for r in results:
        print(texts_sync.cli_line(r))
    return 1 if any(r.status == FAILED for r in results) else 0


# --------------------------------------------------------------------------- recompute-loads


async def _recompute_loads(settings: Settings, *, who: str | None) -> None:
    """Rebuild the stored per-day loads from the workouts: one athlete's, or everyone's, one transaction each."""
    async with open_database(settings) as database:
        if who is not None:
            user = await _import_user(database.sessions, who, create=False)
            assert user is not None
            ids = [user.id]
        else:
            async with database.sessions() as session:
                ids = await daily_loads.all_user_ids(session)
        total = 0
        for user_id in ids:
            async with database.sessions.begin() as session:
                total += await day_loads.recompute(session, user_id=user_id) or 0
    print(f"Recomputed the daily training load of {len(ids)} athlete(s): {total} day(s) with sessions.")


# --------------------------------------------------------------------------- jobs


async def _jobs(settings: Settings, *, retry: int | None) -> int:
    """The job queue for an operator: due and dead jobs per kind, the dead letters; or send one back (``retry``)."""
    async with open_database(settings) as database:
        now = utc_now()
        if retry is not None:
            async with database.sessions.begin() as session:
                if not await jobs_repo.retry_dead(session, job_id=retry, now=now):
                    raise UsageError(f"No dead job has id {retry}; `coach-watts jobs` lists them.")
            print(f"Job {retry} is queued again with all its attempts.")
            return 0
        async with database.sessions() as session:
            depths = await jobs_repo.depths(session, now=now)
            dead = await jobs_repo.dead_jobs(session)
    if not depths:
        print("The job queue is empty.")
    for kind in depths:
        print(
            f"{kind.kind}: {kind.due} due (oldest {kind.oldest_due_age_s:.0f} s), {kind.running} running, "
            f"{kind.dead} dead"
        )
    for job in dead:
        when = job.finished_at.isoformat(timespec="seconds") if job.finished_at else "?"
        print(f"dead {job.id} {job.kind} {job.key} after {job.attempts} attempt(s) at {when}: {job.last_error}")
    if dead:
        print("Send one back to the queue with `coach-watts jobs --retry ID`.")
    return 0


# --------------------------------------------------------------------------- backup, restore


async def _backup(settings: Settings, *, to: str | None) -> None:
    print(await backups.run_backup(settings, to=to))


async def _restore(settings: Settings, source: str, *, force: bool) -> None:
    print(await backups.run_restore(settings, source, force=force))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coach-watts", description="An endurance coach in a Telegram chat.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    chat = sub.add_parser("chat", help="talk to the bot in this terminal, no Telegram needed")
    chat.add_argument("--demo-if-empty", action="store_true", help="load the demo athlete on first run")
    sub.add_parser("migrate", help="apply pending database migrations")
    demo_cmd = sub.add_parser("demo", help="load the demo athlete (for the console user by default)")
    demo_cmd.add_argument("--telegram-id", type=int, default=CONSOLE_USER_ID, help="Telegram user id to load it for")
    fit = sub.add_parser("import-fit", help="import FIT activity files (same file twice stores nothing new)")
    fit.add_argument("files", nargs="+", type=Path, metavar="FILE", help=".fit activity files")
    fit.add_argument("--user", metavar="ID", help="user id or Telegram id (default: the console's athlete)")
    fit.add_argument(
        "--ftp", type=_ftp_watts, metavar="W", help="FTP for IF/TSS (default: the user's, else the file's)"
    )
    fit.add_argument("--json", action="store_true", help="print one JSON object per file")
    fit.add_argument("--dry-run", action="store_true", help="compute and print, store nothing")
    sync_cmd = sub.add_parser("sync", help="sync provider connections now (backfill first, then by cursor)")
    sync_cmd.add_argument("--user", metavar="ID", help="only this user (user id or Telegram id)")
    sync_cmd.add_argument("--provider", choices=PROVIDERS, help="only this provider")
    sync_cmd.add_argument("--days", type=int, metavar="N", help="re-read the last N days (leaves cursors as they are)")
    backup_cmd = sub.add_parser("backup", help="write a compressed dump of the database (prints its path last)")
    backup_cmd.add_argument(
        "--to", metavar="DIR|s3://BUCKET/PREFIX", help="where to write it (default: backups/ in the data folder)"
    )
    restore_cmd = sub.add_parser("restore", help="restore a dump into an empty database")
    restore_cmd.add_argument("source", metavar="PATH", help="a dump file, or s3://BUCKET/KEY")
    restore_cmd.add_argument("--force", action="store_true", help="replace a database that already holds data")
    loads_cmd = sub.add_parser(
        "recompute-loads", help="rebuild the stored per-day training load from the workouts (repair)"
    )
    loads_cmd.add_argument("--user", metavar="ID", help="only this user (user id or Telegram id)")
    jobs_cmd = sub.add_parser("jobs", help="show the job queue and its dead letters; --retry ID sends one back")
    jobs_cmd.add_argument("--retry", type=int, metavar="ID", help="queue a dead job again with all its attempts")
    rotate = sub.add_parser("rotate-keys", help="re-encrypt every stored provider token under the active key")
    rotate.add_argument("--new-key", action="store_true", help="only print a new key for TOKEN_ENCRYPTION_KEYS")
    return parser


def _ftp_watts(value: str) -> float:
    try:
        watts = float(value)
    except ValueError:
        watts = float("nan")
    if not 0 < watts < 2000:  # a sanity bound against typos, wider than the profile range
        raise argparse.ArgumentTypeError(f"FTP must be a number of watts between 1 and 2000; got {value!r}")
    return watts


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "rotate-keys" and args.new_key:
        _new_key()  # needs no configuration: it is how the first key is made
        return 0
    try:
        settings = Settings()
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        print(f"coach-watts: invalid configuration — {problems}.", file=sys.stderr)
        return EXIT_CONFIG
    console = args.command == "chat"
    configure_logging(
        settings.log_level,
        secrets=_secrets(settings),
        stream_level="WARNING" if console else None,
        fmt=settings.log_format,
    )
    commands: dict[str, Callable[[], Coroutine[Any, Any, int | None]]] = {
        "run": lambda: _run(settings),
        "chat": lambda: _chat(settings, demo_if_empty=args.demo_if_empty),
        "migrate": lambda: _migrate(settings),
        "demo": lambda: _demo(settings, args.telegram_id),
        "import-fit": lambda: _import_fit(
            settings, args.files, who=args.user, ftp_w=args.ftp, as_json=args.json, dry_run=args.dry_run
        ),
        "rotate-keys": lambda: _rotate_keys(settings),
        "sync": lambda: _sync(settings, who=args.user, provider=args.provider, days=args.days),
        "recompute-loads": lambda: _recompute_loads(settings, who=args.user),
        "backup": lambda: _backup(settings, to=args.to),
        "jobs": lambda: _jobs(settings, retry=args.retry),
        "restore": lambda: _restore(settings, args.source, force=args.force),
    }
    try:
        status = asyncio.run(commands[args.command]())
    except (DatabaseUnavailable, UsageError, VaultConfigError, BackupError, RestoreRefused) as err:
        print(f"coach-watts: {err}", file=sys.stderr)
        return EXIT_CONFIG
    except TelegramError as err:
        print(f"coach-watts: Telegram error ({type(err).__name__}).", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    return status if isinstance(status, int) else 0


if __name__ == "__main__":
    sys.exit(main())
