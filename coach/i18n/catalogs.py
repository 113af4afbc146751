"""The message catalogs: extract every message from the code, merge it into each language, check them.

``python -m coach.i18n.catalogs update`` (``make messages``) writes ``locale/messages.pot`` from the code and
merges it into every shipped language's ``messages.po``: a new message arrives untranslated, a changed one
fuzzy, and the catalog test fails until a translator has written it. ``check`` is what that test runs.

Messages are found by the calls of `coach.i18n`: ``t("…")``, ``tn("…", "…", n)``, ``tp("context", "…")``
and the marker ``N_("…")``, in every package that speaks to an athlete.
"""

from __future__ import annotations

import json
import re
import string
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from coach.i18n import DEFAULT, DOMAIN, LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "coach", "db", "integrations")
KEYWORDS = {"t": None, "tn": (1, 2), "tp": ((1, "c"), 2), "N_": None}
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
# A fixed date in the headers: a catalog changes only when a message does (no churn, no merge conflicts).
_STAMP = datetime(2026, 12, 7, tzinfo=UTC)
_TAG = re.compile(r"</?([a-zA-Z]+)[^>]*>")


# gettext's plural forms as translators of each language use them (CLDR's newer "many" form for a million,
# which Babel would put in the header for Spanish and French, is not how anyone counts workouts).
PLURAL_FORMS = {"de": (2, "(n != 1)"), "es": (2, "(n != 1)"), "fr": (2, "(n > 1)")}


def _read(language: str) -> Catalog:
    path = po_path(language)
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
    else:
        catalog = Catalog(locale=language, project="Coach Watts", domain=DOMAIN, fuzzy=False)
        catalog.creation_date = catalog.revision_date = _STAMP
    # Babel has no setter for a header's plural rule; these are the attributes its reader fills from it.
    catalog._num_plurals, catalog._plural_expr = PLURAL_FORMS[language]  # type: ignore[assignment]
    catalog.last_translator = "Coach Watts <translations@coachwatts.invalid>"
    return catalog


def _write(language: str, catalog: Catalog) -> None:
    path = po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(out, catalog, width=120, sort_output=True, include_lineno=False, ignore_obsolete=True)


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract() -> Catalog:
    """Every message in the code, with where it is used."""
    catalog = Catalog(project="Coach Watts", domain=DOMAIN, fuzzy=False, creation_date=_STAMP, revision_date=_STAMP)
    for package in PACKAGES:
        found = extract_from_dir(
            ROOT / package,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("Translators:",),
            strip_comment_tags=True,
        )
        for filename, lineno, message, comments, context in found:
            catalog.add(
                message,
                locations=[(f"{package}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
                flags=("python-brace-format",) if _fields(_first(message)) else (),
            )
    return catalog


def update() -> None:
    """Write the template and merge it into every language's catalog (a new language starts empty)."""
    template = extract()
    LOCALE_DIR.mkdir(parents=True, exist_ok=True)
    with TEMPLATE.open("wb") as out:
        write_po(out, template, width=120, omit_header=False, sort_output=True, include_lineno=False)
    for language in LANGUAGES:
        if language == DEFAULT:
            continue
        path = po_path(language)
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=language)
        else:
            catalog = Catalog(
                locale=language,
                project="Coach Watts",
                domain=DOMAIN,
                fuzzy=False,
                creation_date=_STAMP,
                revision_date=_STAMP,
            )
        catalog.update(template, no_fuzzy_matching=False)
        catalog.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            write_po(out, catalog, width=120, sort_output=True, include_lineno=False, ignore_obsolete=True)


def fill(path: Path) -> int:
    """Write translations from a JSON file into the catalogs: a list of ``{"msgid": …, "plural": … (for
    ``tn``), "context": … (for ``tp``), "de": …, "es": …, "fr": …}`` (a plural's translations are lists).
    Only messages already in a catalog are filled (run `update` first); returns how many were written."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    written = 0
    for language in LANGUAGES:
        if language == DEFAULT:
            continue
        catalog = _read(language)
        for entry in entries:
            if language not in entry:
                continue
            message = catalog.get(entry["msgid"], context=entry.get("context"))
            if message is None:
                continue
            value = entry[language]
            message.string = tuple(value) if isinstance(value, list) else value
            message.flags.discard("fuzzy")
            written += 1
        _write(language, catalog)
    return written


@dataclass(frozen=True)
class Problem:
    language: str
    message: str
    why: str

    def __str__(self) -> str:
        return f"{self.language}: {self.why}: {self.message[:80]!r}"


def check(languages: Iterable[str] = LANGUAGES) -> list[Problem]:
    """What keeps the catalogs from shipping: a message of the code missing, untranslated or fuzzy in a
    language, or a translation whose ``{fields}``, HTML tags or plural forms differ from the message's."""
    wanted = {(m.context, _key(m.id)) for m in extract() if m.id}
    problems: list[Problem] = []
    for language in languages:
        if language == DEFAULT:
            continue
        path = po_path(language)
        if not path.exists():
            problems.append(Problem(language, str(path), "no catalog"))
            continue
        catalog = _read(language)
        have = {(m.context, _key(m.id)): m for m in catalog if m.id}
        for context, key in sorted(wanted, key=lambda k: (k[0] or "", k[1])):
            message = have.get((context, key))
            if message is None:
                problems.append(Problem(language, key, "not in the catalog (run make messages)"))
            else:
                problems.extend(_check_message(language, message, catalog.num_plurals))
    return problems


def _check_message(language: str, message: Message, num_plurals: int) -> list[Problem]:
    key = _key(message.id)
    if message.fuzzy:
        return [Problem(language, key, "fuzzy (a guess, not a translation)")]
    ids = _all(message.id)
    strings = _all(message.string)
    plural = len(ids) > 1
    if plural and len(strings) != num_plurals:
        return [Problem(language, key, f"{len(strings)} plural forms, the language has {num_plurals}")]
    if not all(strings):
        return [Problem(language, key, "untranslated")]
    problems = []
    fields = set().union(*(_fields(i) for i in ids))
    tags = sorted(_TAG.findall(ids[0]))
    for text in strings:
        got = _fields(text)
        # A plural form may leave {n} out ("one day" / "un jour"), never add a field.
        if not got <= fields or (got != fields and not (plural and fields - got == {"n"})):
            problems.append(Problem(language, key, f"fields {sorted(got)} instead of {sorted(fields)}"))
        if sorted(_TAG.findall(text)) != tags:
            problems.append(Problem(language, key, "HTML tags differ from the message's"))
    return problems


def _all(message: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    if message is None:
        return ("",)
    return (message,) if isinstance(message, str) else tuple(message)


def _first(message: str | tuple[str, ...] | list[str] | None) -> str:
    return _all(message)[0]


def _key(message: str | tuple[str, ...] | list[str] | None) -> str:
    return _first(message)


def _fields(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"<unbalanced braces>"}


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
        return 0
    if argv[:1] == ["fill"] and len(argv) > 1:
        for name in argv[1:]:
            print(f"{name}: {fill(Path(name))} translations written")
        return 0
    if argv[:1] == ["check"]:
        problems = check()
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    print("usage: python -m coach.i18n.catalogs update | check | fill FILE.json…", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
