"""StackFile edits on the text: only the edited entries change, whatever the file's layout."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.errors import UserError
from analysis.stack_config import PROMOTABLE_KEYS
from farm_deploy.commands.promote import apply_changes, read_stack_pins
from farm_deploy.release import diff_pins
from farm_deploy.stack_files import StackFile, render_scalar

ROOT = Path(__file__).resolve().parents[2]


def parse(text: str) -> StackFile:
    return StackFile.parse(text, Path("Pulumi.x.yaml"))


def test_crlf_file_keeps_crlf():
    text = "config:\r\n  # pin\r\n  farm:apiImage: a\r\n  farm:dbTier: m0\r\n"
    new = parse(text).set("apiImage", "b").set("models", ["m1"], after="apiImage")
    assert new.text == "config:\r\n  # pin\r\n  farm:apiImage: b\r\n  farm:models:\r\n    - m1\r\n  farm:dbTier: m0\r\n"


def test_file_without_config_gets_one():
    assert parse("encryptionsalt: v1:x\n").set("apiImage", "t1").text == (
        "encryptionsalt: v1:x\nconfig:\n  farm:apiImage: t1\n"
    )
    assert parse("encryptionsalt: v1:x").set("apiImage", "t1").text == (
        "encryptionsalt: v1:x\nconfig:\n  farm:apiImage: t1\n"
    )
    assert parse("config: {}\n").set("models", []).text == "config:\n  farm:models: []\n"
    assert parse("").set("webVersion", "1.0").text == "config:\n  farm:webVersion: '1.0'\n"


def test_flow_style_config_is_refused():
    with pytest.raises(UserError, match="flow style"):
        parse("config: {farm:apiImage: a}\n").set("apiImage", "b")


def test_list_layout_of_the_file_is_followed():
    text = "config:\n    farm:models:\n    - a\n    farm:dbTier: m0\n"  # 4-space keys, dashes at the key's column
    assert (
        parse(text).set("models", ["b", "c"]).text
        == "config:\n    farm:models:\n    - b\n    - c\n    farm:dbTier: m0\n"
    )


def test_last_entry_then_trailing_comments():
    text = "config:\n  farm:models:\n    - a\n    - b\n  # farm:domain: x\n\n# end\n"
    stack = parse(text)
    assert stack.set("models", ["c"]).text == "config:\n  farm:models:\n    - c\n  # farm:domain: x\n\n# end\n"
    assert stack.remove("models").text == "config:\n  # farm:domain: x\n\n# end\n"


@pytest.mark.parametrize(
    ("value", "rendered"),
    [("sha-1", "sha-1"), ("1.10", "'1.10'"), ("yes", '"yes"'), ("on", '"on"'), ("1:20", '"1:20"'), ("a: b", "'a: b'")],
)
def test_scalars_keep_their_type_for_yaml_readers(value: str, rendered: str):
    assert render_scalar(value) == rendered
    assert parse(f"config:\n  farm:webVersion: {rendered}\n").get("webVersion") == value


def test_reading_errors():
    with pytest.raises(UserError, match="a stack file is a YAML mapping"):
        parse("- a\n")
    with pytest.raises(UserError, match="`config:` must be a mapping") as info:
        parse("encryptionsalt: x\nconfig: [1]\n")
    assert info.value.line == 2
    with pytest.raises(UserError, match="malformed YAML") as info:
        parse("config:\n  farm:a: 1\n  farm:a: 2\n")  # duplicate keys
    assert info.value.line is not None
    with pytest.raises(UserError, match="no such stack file"):
        StackFile.load(Path("/nonexistent/Pulumi.dev.yaml"))


def test_promote_on_copies_of_the_repository_stack_files(tmp_path: Path):
    """The lead's real stack files: only the pin lines change, in every direction."""
    names = ["dev", "staging", "prod"]
    for name in names:
        src = ROOT / f"Pulumi.{name}.yaml"
        if not src.is_file():
            pytest.skip(f"{src.name} not written yet")
        shutil.copy(src, tmp_path / src.name)
    for source in names:
        for target in names:
            if source == target:
                continue
            src = StackFile.load(tmp_path / f"Pulumi.{source}.yaml")
            dst = StackFile.load(tmp_path / f"Pulumi.{target}.yaml")
            changes = diff_pins(
                read_stack_pins(dst, PROMOTABLE_KEYS), read_stack_pins(src, PROMOTABLE_KEYS), PROMOTABLE_KEYS
            )
            new = apply_changes(dst, changes, PROMOTABLE_KEYS)
            assert read_stack_pins(new, PROMOTABLE_KEYS) == read_stack_pins(src, PROMOTABLE_KEYS)
            kept = [
                line
                for line in dst.text.splitlines()
                if not line.startswith(("  farm:apiImage", "  farm:webVersion", "    - "))
            ]
            assert [
                line
                for line in new.text.splitlines()
                if not line.startswith(("  farm:apiImage", "  farm:webVersion", "    - "))
            ] == kept


def test_lists_keep_their_style_and_line_comment():
    flow = parse("config:\n  farm:models: [a, b]   # the models\n  farm:x: 1\n")
    assert flow.set("models", ["c", "yes"]).text == 'config:\n  farm:models: ["c", "yes"]   # the models\n  farm:x: 1\n'
    assert flow.set("models", ["c", "d"]).text == "config:\n  farm:models: [c, d]   # the models\n  farm:x: 1\n"
    block = parse("config:\n  farm:models:   # pins\n    - a\n  farm:x: 1\n")
    assert block.set("models", ["b", "c"]).text == "config:\n  farm:models:   # pins\n    - b\n    - c\n  farm:x: 1\n"
    assert block.set("models", []).text == "config:\n  farm:models: []   # pins\n  farm:x: 1\n"


def test_atomic_write_through_a_symlink_keeps_the_link(tmp_path: Path):
    real = tmp_path / "stacks" / "Pulumi.prod.yaml"
    real.parent.mkdir()
    real.write_text("config:\n  farm:apiImage: a\n", encoding="utf-8")
    link = tmp_path / "Pulumi.prod.yaml"
    link.symlink_to(real)
    StackFile.load(link).set("apiImage", "b").write()
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "config:\n  farm:apiImage: b\n"
    assert sorted(p.name for p in real.parent.iterdir()) == ["Pulumi.prod.yaml"]
