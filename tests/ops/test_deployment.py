"""The Dockerfile and compose file, checked by parsing them (no Docker daemon here): hadolint-style rules, and
that they agree with the code they deploy (commands that exist, settings that exist, no secret inline)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import _parser
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|_KEY|KEYS")


def _instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    logical: list[str] = []
    current = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    out = []
    for line in logical:
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def _stages(instructions: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for item in instructions:
        if item[0] == "FROM":
            stages.append([])
        stages[-1].append(item)
    return stages


def _cli_subcommands() -> set[str]:
    parser = _parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return set(action.choices or {})


def _setting_names() -> set[str]:
    return {field.alias for field in Settings.model_fields.values() if field.alias}


DOCKERFILE = _instructions(ROOT / "Dockerfile")
ALL_DOCKERFILES = [DOCKERFILE, _instructions(ROOT / "deploy" / "postgres" / "Dockerfile")]


@pytest.mark.parametrize("dockerfile", ALL_DOCKERFILES, ids=["bot", "postgres"])
def test_every_base_image_is_pinned_to_a_tag(dockerfile: list[tuple[str, str]]) -> None:
    for kind, args in dockerfile:
        if kind == "FROM":
            image = args.split()[0]
            assert ":" in image and not image.endswith(":latest"), f"unpinned base image {image}"


def test_the_runtime_stage_runs_as_a_non_root_user() -> None:
    final = _stages(DOCKERFILE)[-1]
    users = [args for kind, args in final if kind == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    last_user = max(i for i, (kind, _) in enumerate(final) if kind == "USER")
    starts = [i for i, (kind, _) in enumerate(final) if kind in {"CMD", "ENTRYPOINT"}]
    assert starts and min(starts) > last_user


@pytest.mark.parametrize("dockerfile", ALL_DOCKERFILES, ids=["bot", "postgres"])
def test_apt_installs_are_lean_and_clean(dockerfile: list[tuple[str, str]]) -> None:
    for kind, args in dockerfile:
        if kind == "RUN" and "apt-get install" in args:
            assert "--no-install-recommends" in args
            assert "rm -rf /var/lib/apt/lists" in args
            assert "apt-get update" in args  # in the same layer, or the package lists go stale in the cache


def test_nothing_is_fetched_by_add_and_every_copied_path_exists() -> None:
    assert not [args for kind, args in DOCKERFILE if kind == "ADD"]
    for kind, args in DOCKERFILE:
        if kind == "COPY" and "--from=" not in args:
            sources = [part for part in shlex.split(args) if not part.startswith("--")][:-1]
            for source in sources:
                assert (ROOT / source).exists(), f"COPY of a missing path {source}"


def test_the_image_starts_the_bot_and_checks_its_health() -> None:
    final = _stages(DOCKERFILE)[-1]
    cmd = next(args for kind, args in reversed(final) if kind == "CMD")
    argv = yaml.safe_load(cmd)  # exec form is a JSON array
    assert argv[0] == "coach-watts" and argv[1] in _cli_subcommands()
    health = next(args for kind, args in final if kind == "HEALTHCHECK")
    assert "/healthz" in health


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".venv", ".git"} <= ignored


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_compose_runs_postgres_two_webhook_bots_a_proxy_and_backups(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "migrate", "bot-1", "bot-2", "proxy", "backup", "pitr-backup"} <= set(services)
    settings = " ".join(services["postgres"]["command"])
    assert "archive_mode=on" in settings and "pgbackrest --stanza=coach archive-push %p" in settings
    assert "pitr-backup.sh" in " ".join(services["pitr-backup"]["command"])
    for name in ("bot-1", "bot-2"):
        env = services[name]["environment"]
        assert env["TELEGRAM_WEBHOOK_URL"].endswith("/webhooks/telegram")
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "coach-watts backup" in " ".join(services["backup"]["command"])
    caddy = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "bot-1:8080" in caddy and "bot-2:8080" in caddy


def test_compose_holds_no_secret_and_names_only_real_settings(compose: dict[str, Any]) -> None:
    known = _setting_names() | {
        "POSTGRES_USER",
        "POSTGRES_PASSWORD",
        "POSTGRES_DB",
        "PUBLIC_HOST",
        "BACKUP_DESTINATION",
    }
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            assert key in known, f"{name}: {key} is not a setting"
            if SECRET_NAME.search(key) and key != "DATABASE_URL":
                assert re.fullmatch(r"\$\{[A-Z_]+(:\?[^}]*)?\}", str(value)), f"{name}: {key} is inline"
            if key == "DATABASE_URL":
                assert "${POSTGRES_PASSWORD" in str(value)
    example = (ROOT / "deploy" / "env.example").read_text()
    for line in example.splitlines():
        line = line.lstrip("# ")
        if re.match(r"^[A-Z_]+=", line):
            name, _, value = line.partition("=")
            assert name in known, f"env.example names {name}, which is not a setting"
            if SECRET_NAME.search(name):
                assert value == "", f"env.example carries a value for {name}"


def test_the_commands_compose_runs_exist(compose: dict[str, Any]) -> None:
    commands = _cli_subcommands()
    for service in compose["services"].values():
        command = service.get("command")
        if command and command[0] == "coach-watts":
            assert command[1] in commands
        elif command:
            for used in re.findall(r"coach-watts ([a-z-]+)", " ".join(command)):
                assert used in commands
