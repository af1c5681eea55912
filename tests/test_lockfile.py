"""The image installs from requirements.lock: it must pin every dependency pyproject.toml names."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_lock_file_pins_every_dependency_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["postgres"]
    names = {canonical(re.split(r"[\[<>=!~; ]", spec, maxsplit=1)[0]) for spec in wanted}
    lock = (ROOT / "requirements.lock").read_text()
    pinned = {canonical(m.group(1)): m.group(2) for m in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", lock, re.M)}
    missing = sorted(names - set(pinned))
    assert not missing, f"not in requirements.lock: {missing}; re-run the pip-compile command in README 'Deploying'"
    assert lock.count("--hash=sha256:") >= len(pinned)  # pip installs with --require-hashes
