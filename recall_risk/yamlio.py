"""Reading YAML the strict way, for config and event files alike.

:class:`StrictLoader` is a ``yaml.SafeLoader`` (no arbitrary tags) that

- rejects a key written twice in one mapping (PyYAML keeps the last silently: a second
  ``announced:`` would move an event's date, a second ``strategies:`` drop the first list); a key
  may still override one merged in with ``<<: *anchor``;
- leaves impossible dates such as ``2025-02-30`` as text (PyYAML raises a bare ``ValueError``), so
  they reach validation, whose message names the field;
- reads ``1e5`` and ``1e-3`` as numbers, as YAML 1.2 does (PyYAML's YAML 1.1 rules need a dot:
  ``1.0e5``; without this an unquoted ``cash: 1e5`` would be text, and refused as such).

:func:`parse_yaml` turns every way of failing into one :class:`YamlSyntaxError` message.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

import yaml


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys and leaves impossible dates as text."""


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


StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)
StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


class YamlSyntaxError(ValueError):
    """Text that is not YAML we accept; the message says where (``at line L, column C: ...``)."""


def parse_yaml(text: str) -> Any:
    """Parse ``text`` with :class:`StrictLoader`.

    Raises:
        YamlSyntaxError: invalid YAML, a duplicate key, or nesting too deep to parse.
    """
    try:
        return yaml.load(text, Loader=StrictLoader)  # a SafeLoader subclass: no arbitrary tags
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise YamlSyntaxError(
            f"invalid YAML{where}: {getattr(exc, 'problem', None) or exc}"
        ) from None
    except RecursionError:
        raise YamlSyntaxError("invalid YAML: nested too deeply to read") from None
