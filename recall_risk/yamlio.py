"""Reading YAML the strict way, for config and event files alike.

:class:`StrictLoader` is a ``yaml.SafeLoader`` (no arbitrary tags) that

- rejects a key written twice in one mapping (PyYAML keeps the last silently: a second
  ``announced:`` would move an event's date, a second ``strategies:`` drop the first list); a key
  may still override one merged in with ``<<: *anchor``;
- leaves impossible dates such as ``2025-02-30`` as text (PyYAML raises a bare ``ValueError``), so
  they reach validation, whose message names the field;
- reads ``1e5`` and ``1e-3`` as numbers, as YAML 1.2 does (PyYAML's YAML 1.1 rules need a dot:
  ``1.0e5``; without this an unquoted ``cash: 1e5`` would be text, and refused as such).

:func:`parse_yaml` also bounds alias expansion before anything is built: the node graph an
anchor and its aliases make is measured as the tree it would expand to, and a document whose
aliases expand it past :data:`MAX_EXPANSION` nodes (a "billion laughs" bomb, wherever it sits in
the file) or that refers to itself is refused. The data a file yields is then about as large as
the file, so validation and error messages never walk an exponential structure.

:func:`parse_yaml` turns every way of failing into one :class:`YamlSyntaxError` message.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

import yaml

MAX_DEPTH = 100
"""Deepest nesting of lists and mappings a file may use (configs and event files need under 10)."""


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys, leaves impossible dates as text and refuses
    nesting deeper than :data:`MAX_DEPTH` (before Python's recursion limit, and fast)."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nested too deeply to read (more than {MAX_DEPTH} levels)",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _timestamp_or_text(loader: StrictLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


def _mapping_without_duplicates(loader: StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node)
        if isinstance(key, Hashable):
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
    return loader.construct_mapping(node, deep=True)


def _make_strict(loader: type[Any]) -> None:
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
        list("-+0123456789"),
    )
    loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
    loader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
    )


_make_strict(StrictLoader)

_CSafeLoader: Any = getattr(yaml, "CSafeLoader", None)
CStrictLoader: Any = None
if _CSafeLoader is not None:

    class CStrictLoader(_CSafeLoader):  # type: ignore[no-redef]
        """:class:`StrictLoader`'s rules on libyaml's C parser (about ten times faster), used by
        :func:`parse_yaml` where PyYAML was built with libyaml. The C composer recurses into
        nested collections, so :func:`parse_yaml` first walks the file's event stream (flat, no
        recursion) and refuses nesting deeper than :data:`MAX_DEPTH` before composing."""

    _make_strict(CStrictLoader)


MAX_EXPANSION = 100_000
"""Most nodes that aliases may add to a document once expanded (beyond the nodes written)."""


class YamlSyntaxError(ValueError):
    """Text that is not YAML we accept; the message says where (``at line L, column C: ...``)."""


def parse_yaml(text: str) -> Any:
    """Parse ``text`` with :class:`StrictLoader`.

    Raises:
        YamlSyntaxError: invalid YAML, a duplicate key, or nesting too deep to parse.
    """
    if CStrictLoader is None:
        loader = StrictLoader(text)  # a SafeLoader subclass: no arbitrary tags
    else:
        _check_depth(text)
        loader = CStrictLoader(text)  # the same rules on libyaml's parser
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise YamlSyntaxError(
            f"invalid YAML{where}: {getattr(exc, 'problem', None) or exc}"
        ) from None
    except RecursionError:
        raise YamlSyntaxError("invalid YAML: nested too deeply to read") from None
    finally:
        loader.dispose()


def _check_depth(text: str) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` from the event stream, before the C composer
    recurses into it (the same message as :class:`StrictLoader`'s)."""
    assert _CSafeLoader is not None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_CSafeLoader):
            if isinstance(event, yaml.NodeEvent):  # a collection, scalar or alias: one level
                if depth >= MAX_DEPTH:
                    raise _too_deep(event.start_mark)
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        # libyaml's scanner reads ahead and has its own limit (1,000 levels): the same message
        if "nesting depth" in str(exc.problem) and exc.problem_mark is not None:
            raise _too_deep(exc.problem_mark) from None
        return  # composing reports it, with its position


def _too_deep(mark: Any) -> YamlSyntaxError:
    return YamlSyntaxError(
        f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: "
        f"nested too deeply to read (more than {MAX_DEPTH} levels)"
    )


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a node graph whose aliases expand past :data:`MAX_EXPANSION` extra nodes, or that
    contains itself; iterative, memoised per node, so a bomb is measured in linear time."""
    size: dict[int, int] = {}
    unique = 0
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            continue
        if key in size:
            continue
        if key in on_path:
            raise YamlSyntaxError(
                f"invalid YAML at line {node.start_mark.line + 1}: an alias refers to the "
                "collection that holds it (a recursive alias); write the value out"
            )
        unique += 1
        on_path.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in on_path:
                raise YamlSyntaxError(
                    f"invalid YAML at line {child.start_mark.line + 1}: an alias refers to the "
                    "collection that holds it (a recursive alias); write the value out"
                )
            if id(child) not in size:
                stack.append((child, False))
    if size[id(root)] - unique > MAX_EXPANSION:
        raise YamlSyntaxError(
            f"invalid YAML: its aliases (*name) expand to {size[id(root)]:,} values, more than "
            f"{MAX_EXPANSION:,} beyond the {unique:,} written (an alias bomb?); write the values "
            "out or use fewer aliases"
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
