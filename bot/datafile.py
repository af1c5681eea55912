"""Load YAML data files (config, playbooks, catalogs) into pydantic models with line-precise errors.

Teams edit these files by hand, so an error must say which file, which line and what is wrong, and list
every problem at once rather than the first one.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.errors import ConfigError

M = TypeVar("M", bound=BaseModel)

Loc = tuple[str | int, ...]


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader that rejects duplicate mapping keys (YAML silently keeps the last one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first at line {seen[key] + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def _line_map(node: yaml.Node | None, loc: Loc = ()) -> dict[Loc, int]:
    """Map every key path in the document to the 1-based line where its value starts."""
    lines: dict[Loc, int] = {}
    if node is None:
        return lines
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_loc = loc + (key_node.value,)
            lines.update(_line_map(value_node, key_loc))
            # A key is reported at its own line, not where its (possibly nested) value starts.
            lines[key_loc] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(_line_map(item, loc + (index,)))
    return lines


class YamlDocument:
    """Parsed YAML plus where each key came from."""

    def __init__(self, path: Path, data: Any, lines: dict[Loc, int]) -> None:
        self.path = path
        self.data = data
        self._lines = lines

    def line_of(self, loc: Iterable[str | int]) -> int:
        """Line of the deepest part of `loc` present in the file (a missing key reports its parent)."""
        loc = tuple(loc)
        while loc:
            if loc in self._lines:
                return self._lines[loc]
            loc = loc[:-1]
        return self._lines.get((), 1)

    def problem(self, loc: Iterable[str | int], message: str) -> str:
        loc = tuple(loc)
        where = ".".join(str(p) for p in loc) or "(top level)"
        return f"{self.path}:{self.line_of(loc)}: {where}: {message}"


def read_yaml(path: Path) -> YamlDocument:
    """Parse `path`; YAML syntax errors become a ConfigError pointing at the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read: {exc}"]) from None
    try:
        node = yaml.compose(text, Loader=_LineLoader)
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        reason = exc.problem or exc.context or "invalid YAML"
        raise ConfigError([f"{path}:{line}: invalid YAML: {reason}"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path}: invalid YAML: {exc}"]) from None
    return YamlDocument(path, data, _line_map(node))


def validation_problems(doc: YamlDocument, error: ValidationError, prefix: Loc = ()) -> list[str]:
    """Turn a pydantic error into one `file:line: field: message` line per problem."""
    problems = []
    for item in error.errors(include_url=False):
        loc = prefix + tuple(p for p in item["loc"] if not _is_union_tag(p))
        problems.append(doc.problem(loc, _friendly(item)))
    return problems


def load_model(path: Path, model: type[M], *, empty_ok: bool = False) -> M:
    """Read `path` and validate it as `model`, raising ConfigError listing every problem."""
    doc = read_yaml(path)
    data = doc.data
    if data is None and empty_ok:
        data = {}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(validation_problems(doc, exc)) from None


def _is_union_tag(part: str | int) -> bool:
    # pydantic adds the chosen type name (e.g. "function-after[...]") to error locations of unions.
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _friendly(item: Any) -> str:
    kind = item.get("type", "")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known setting (check the spelling)"
    if kind == "string_pattern_mismatch":
        return f"{item.get('input')!r} has the wrong form"
    message = str(item.get("msg", "invalid"))
    return message.removeprefix("Value error, ")
