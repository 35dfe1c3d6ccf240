"""Safe YAML loading for definition files: line numbers kept, bombs, duplicates and unsafe tags refused."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from compliance.core.errors import DefinitionError

MAX_BYTES = 1_000_000
MAX_DEPTH = 40
MAX_NODES = 200_000


class LineDict(dict):
    """A mapping that remembers the line it started on and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        """Returns the line of `key`, or the mapping's own line."""
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence that remembers the line of each item (1-based)."""

    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        """Returns the line of item `index`, or the sequence's own line."""
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _LineLoading:
    """Refuses aliases (no YAML bombs) and duplicate keys, and records lines; mixed into a SafeLoader below.

    The Python composer refuses an alias when it meets it (compose_node); libyaml's composer, which never calls
    compose_node, gives an alias as the anchored node object again, and _check_shape refuses any node met twice.
    """

    def compose_node(self, parent, index):  # noqa: D401 - yaml API
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, "anchors and aliases are not allowed in definition files", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: MappingNode, deep: bool = False):
        if not isinstance(node, MappingNode):
            return super().construct_mapping(node, deep)
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise yaml.constructor.ConstructorError(
                    None, None, "mapping keys must be plain scalars", key_node.start_mark
                )
            if key in result:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def construct_sequence(self, node: SequenceNode, deep: bool = False):
        result = LineList(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


class _PythonLoader(_LineLoading, yaml.SafeLoader):
    """The pure-Python parser and composer."""


LOADERS: list[type] = [_PythonLoader]
if hasattr(yaml, "CSafeLoader"):
    class _LibyamlLoader(_LineLoading, yaml.CSafeLoader):
        """libyaml's parser and composer (about 4x faster: `deadlines compute` parses every regime at each start)."""

    LOADERS.insert(0, _LibyamlLoader)

for _loader in LOADERS:
    _loader.add_constructor("tag:yaml.org,2002:map", _loader.construct_mapping)
    _loader.add_constructor("tag:yaml.org,2002:seq", _loader.construct_sequence)
_Loader = LOADERS[0]  # the fastest available; tests run both


def _check_shape(node: Node | None, where: str) -> None:
    """Refuses documents nested deeper than MAX_DEPTH or with more than MAX_NODES nodes."""
    if node is None:
        return
    count = 0
    seen: set[int] = set()
    stack: list[tuple[Node, int, Node]] = [(node, 1, node)]
    while stack:
        current, depth, parent = stack.pop()
        if id(current) in seen:  # an alias (libyaml composer): the anchored node met again, at `parent`
            raise DefinitionError(f"{where}:{parent.start_mark.line + 1}: anchors and aliases are not allowed "
                                  "in definition files")
        seen.add(id(current))
        count += 1
        if depth > MAX_DEPTH:
            raise DefinitionError(f"{where}:{current.start_mark.line + 1}: nested deeper than {MAX_DEPTH} levels")
        if count > MAX_NODES:
            raise DefinitionError(f"{where}: more than {MAX_NODES} YAML nodes")
        if isinstance(current, MappingNode):
            for k, v in reversed(current.value):  # document order: the first repeat found is the first alias
                stack.append((v, depth + 1, k))  # a value's alias is reported at its key's line
                stack.append((k, depth + 1, current))
        elif isinstance(current, SequenceNode):
            stack.extend((child, depth + 1, current) for child in reversed(current.value))
        elif not isinstance(current, ScalarNode):  # pragma: no cover - yaml has no other node kinds
            raise DefinitionError(f"{where}: unexpected YAML node")


def load_yaml_text(text: str, *, source: str) -> Any:
    """Parses one YAML document from `text`; errors name `source` and the line."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise DefinitionError(f"{source}: larger than {MAX_BYTES} bytes")
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            _check_shape(node, source)
            return loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except RecursionError:
        raise DefinitionError(f"{source}: nested too deeply") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if "could not determine a constructor" in problem:
            tag = re.search(r"'([^']+)'", problem)
            problem = f"unsafe or unknown YAML tag refused: {tag.group(1) if tag else problem}"
        raise DefinitionError(f"{source}{line}: {problem}") from None
    except yaml.YAMLError as exc:
        raise DefinitionError(f"{source}: invalid YAML ({exc})") from None


def load_yaml_file(path: str | Path) -> Any:
    """Reads and parses one YAML definition file; errors name the file and the line."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise DefinitionError(f"{path}: larger than {MAX_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DefinitionError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise DefinitionError(f"{path}: cannot read ({exc.strerror})") from None
    return load_yaml_text(text, source=str(path))
