"""Find and validate playbook files: the shipped ones, then each folder a team names in amends.yaml.

A playbook's id is its file name without `.yaml` (late-delivery.yaml is `late-delivery`); a team file
with the same name as a shipped one replaces it. Every problem in every file is reported at once, each
as `file:line: where: what is wrong`, so `amends check` can list them all and `amends run` refuses to
start while any remain.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from bot.datafile import read_yaml, validation_problems
from bot.errors import ConfigError
from bot.paths import CATALOG_FILE, LEAD_TIMES_FILE, SHIPPED_PLAYBOOKS
from bot.playbooks.config import PlaybooksConfig
from bot.playbooks.schema import ID_RE, Playbook, structure_problems

SUFFIXES = (".yaml", ".yml")
# Files in a playbook folder that are not playbooks: the offers catalog (bot/offers/catalog.py).
NOT_PLAYBOOKS = frozenset({CATALOG_FILE, LEAD_TIMES_FILE})


@dataclass(frozen=True)
class Library:
    """The playbooks in force, by id, and which file each came from."""

    playbooks: Mapping[str, Playbook]
    sources: Mapping[str, Path]
    config: PlaybooksConfig

    def playbook_id_for(self, cause: str, kind: str = "goods") -> str:
        return self.config.playbook_for(cause, kind)

    def for_cause(self, cause: str, kind: str = "goods") -> tuple[str, Playbook]:
        playbook_id = self.playbook_id_for(cause, kind)
        return playbook_id, self.playbooks[playbook_id]


def load_playbook(path: Path) -> Playbook:
    """One playbook file, or ConfigError listing every problem in it."""
    key = _cache_key(path)
    with _lock:
        cached = _cache.get(key) if key else None
    if cached is None:
        cached = _validate(path)
        if key:
            with _lock:
                _cache[key] = cached
    if isinstance(cached, Playbook):
        return cached
    raise ConfigError(list(cached))


def _validate(path: Path) -> Playbook | tuple[str, ...]:
    try:
        doc = read_yaml(path)
    except ConfigError as exc:
        return tuple(exc.problems)
    if doc.data is None:
        return (f"{path}:1: the file is empty; a playbook needs a title and steps",)
    problems = [doc.problem(loc, message) for loc, message in structure_problems(doc.data)]
    try:
        playbook = Playbook.model_validate(doc.data)
    except ValidationError as exc:
        problems = validation_problems(doc, exc) + problems
    else:
        if not problems:
            return playbook
    return tuple(sorted(set(problems), key=_by_line))


def _by_line(problem: str) -> tuple[int, str]:
    parts = problem.split(":", 2)
    return (int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 0, problem)


# Parsed files by (path, size, mtime): the app is built more than once per process in tests and checks.
_cache: dict[tuple[str, int, int], Playbook | tuple[str, ...]] = {}
_lock = threading.Lock()


def _cache_key(path: Path) -> tuple[str, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def playbook_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.suffix in SUFFIXES and not p.name.startswith(".") and p.name not in NOT_PLAYBOOKS)


def scan(folders: Iterable[Path]) -> tuple[dict[str, Playbook], dict[str, Path], list[str], int]:
    """Every playbook in `folders`, later folders overriding earlier ones: (playbooks, sources, problems,
    number of files read)."""
    playbooks: dict[str, Playbook] = {}
    sources: dict[str, Path] = {}
    problems: list[str] = []
    files = 0
    for folder in folders:
        if not folder.is_dir():
            problems.append(f"{folder}: playbook folder not found")
            continue
        in_this_folder: dict[str, Path] = {}
        for path in playbook_files(folder):
            files += 1
            playbook_id = path.stem
            if not ID_RE.match(playbook_id):
                problems.append(f"{path}: the file name is the playbook's id; use lowercase letters, digits and "
                                f"hyphens, like late-delivery.yaml")
                continue
            if playbook_id in in_this_folder:
                problems.append(f"{path}: playbook {playbook_id!r} is also defined in {in_this_folder[playbook_id]}")
                continue
            in_this_folder[playbook_id] = path
            try:
                playbooks[playbook_id] = load_playbook(path)
                sources[playbook_id] = path
            except ConfigError as exc:
                problems += exc.problems
                playbooks.pop(playbook_id, None)  # a broken override must not fall back to the shipped file
                sources[playbook_id] = path
    return playbooks, sources, problems, files


def folders_for(config: PlaybooksConfig) -> list[Path]:
    return [SHIPPED_PLAYBOOKS, *config.folders]


def check_library(config: PlaybooksConfig, *, config_path: Path | None = None
                  ) -> tuple[Library, list[str], int]:
    """(library, every problem, files read). Problems include amends.yaml naming a playbook that doesn't exist."""
    playbooks, sources, problems, files = scan(folders_for(config))
    problems += _reference_problems(config, playbooks, sources, config_path)
    return Library(playbooks, sources, config), problems, files


def load_library(config: PlaybooksConfig, *, config_path: Path | None = None) -> Library:
    library, problems, _ = check_library(config, config_path=config_path)
    if problems:
        raise ConfigError(problems)
    return library


def _reference_problems(config: PlaybooksConfig, playbooks: Mapping[str, Playbook], sources: Mapping[str, Path],
                        config_path: Path | None) -> list[str]:
    doc = None
    if config_path is not None and config_path.exists():
        try:
            doc = read_yaml(config_path)
        except ConfigError:
            doc = None  # reported by the config check itself
    where = str(config_path or "amends.yaml")
    problems = []
    references = [(("playbooks", "by_cause", cause), playbook_id) for cause, playbook_id in config.by_cause]
    references += [(("playbooks", "by_kind", kind), playbook_id) for kind, playbook_id in config.by_kind]
    references.append((("playbooks", "fallback"), config.fallback))
    for loc, playbook_id in references:
        if playbook_id in playbooks or playbook_id in sources:  # a broken file is reported on its own
            continue
        known = ", ".join(sorted(playbooks)) or "none"
        message = f"there is no playbook {playbook_id!r} (known: {known})"
        problems.append(doc.problem(loc, message) if doc else f"{where}: {'.'.join(map(str, loc))}: {message}")
    return problems
