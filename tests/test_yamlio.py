"""The one YAML reader: libyaml's C parser (when PyYAML has it) and the pure-Python
:class:`StrictLoader` read every file alike, and refuse the same hostile shapes with the same
words (duplicate keys, deep nesting, alias bombs, recursive aliases)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from recall_risk import yamlio
from recall_risk.yamlio import MAX_DEPTH, YamlSyntaxError, parse_yaml

REPO = Path(__file__).resolve().parents[1]


def _texts() -> dict[Path, str]:
    """Every committed YAML file that is UTF-8 (the readers refuse the others before parsing)."""
    out = {}
    for path in sorted(
        [
            *REPO.glob("configs/*.yaml"),
            *REPO.glob("recall_risk/data/**/*.yaml"),
            *REPO.glob("tests/data/**/*.yaml"),
        ]
    ):
        try:
            out[path] = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
    return out


def _read(text: str) -> tuple[str, object]:
    try:
        return "ok", parse_yaml(text)
    except YamlSyntaxError as exc:
        return "refused", str(exc)


def test_pyyaml_here_has_libyaml() -> None:
    assert yamlio.CStrictLoader is not None, "PyYAML without libyaml: the fast path is untested"


def test_every_committed_file_reads_alike_with_both_loaders(monkeypatch) -> None:
    texts = _texts()
    assert len(texts) > 50
    fast = {path: _read(text) for path, text in texts.items()}
    monkeypatch.setattr(yamlio, "CStrictLoader", None)
    for path, text in texts.items():
        kind, value = _read(text)
        assert kind == fast[path][0], path
        if kind == "ok":  # refusals may word a syntax error differently; the values may not
            assert value == fast[path][1], path


LEVELS = list(zip("abcdef", "bcdefg", strict=True))  # g: 10^7 values once expanded
HOSTILE = {
    "duplicate key": ("a: 1\nb: 2\na: 3\n", "line 3, column 1: duplicate key 'a'"),
    "deep flow": ("x: " + "[" * 5000 + "]" * 5000, f"more than {MAX_DEPTH} levels"),
    "deep flow, unclosed": ("x: " + "[" * 2000, f"more than {MAX_DEPTH} levels"),
    "deep block": ("".join(f"{' ' * i}k{i}:\n" for i in range(150)) + " " * 150 + "v\n", "levels"),
    "alias bomb": (
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n"
            for p, c in zip("abcdef", "bcdefg", strict=True)
        )
        + "top: *g\n",
        "an alias bomb",
    ),
    "recursive alias": ("a: &a [1, *a]\n", None),
}


@pytest.mark.parametrize("loader", ["libyaml", "python"])
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_documents_are_refused_quickly_by_both(name, loader, monkeypatch) -> None:
    if loader == "python":
        monkeypatch.setattr(yamlio, "CStrictLoader", None)
    text, words = HOSTILE[name]
    started = time.process_time()
    kind, message = _read(text)
    assert kind == "refused", message
    assert message.startswith("invalid YAML")
    if words:
        assert words in message
    assert time.process_time() - started < 2.0


@pytest.mark.parametrize(
    "text",
    [
        "".join(f"{' ' * i}k{i}:\n" for i in range(120)) + " " * 120 + "v\n",
        "x:\n  - " + "[" * 300 + "]" * 300 + "\n",
        "- " * 150 + "x\n",
    ],
    ids=["block", "flow", "sequence"],
)
def test_both_loaders_give_the_same_message_for_deep_nesting(text, monkeypatch) -> None:
    fast = _read(text)
    monkeypatch.setattr(yamlio, "CStrictLoader", None)
    assert _read(text) == fast
    assert fast[0] == "refused" and f"more than {MAX_DEPTH} levels" in str(fast[1])


def test_numbers_dates_and_merges_follow_the_strict_rules() -> None:
    text = (
        "cash: 1e5\nfee: 1e-3\nday: 2025-02-30\nok: 2025-02-28\n"
        "base: &b {x: 1}\nm: {<<: *b, x: 2}\n"
    )
    data = parse_yaml(text)
    assert data["cash"] == 100000.0 and data["fee"] == 0.001
    assert data["day"] == "2025-02-30"  # impossible date left as text for validation to name
    assert str(data["ok"]) == "2025-02-28"
    assert data["m"] == {"x": 2}  # a key may override one merged in
