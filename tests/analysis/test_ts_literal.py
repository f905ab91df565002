"""The TypeScript/JavaScript object-literal reader behind farm.config.ts."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.ts_literal import EnvRef, Expr, TsSyntaxError, parse_config_module, parse_expression

FIXTURES = Path(__file__).parent / "fixtures"


def value(text: str):
    return parse_config_module(text).value


def test_define_config_with_comments_trailing_commas_and_as_const():
    text = """
    // leading comment
    import { defineConfig } from '@farm-framework/core';
    /* block
       comment */
    export default defineConfig({
      name: 'farm-chat', // trailing comment
      "quoted-key": "double",
      features: ['ai', 'realtime',],
      nested: { deep: { list: [1, 2.5, -3, 0x10, 1_000, 1e3,], }, },
      flags: { yes: true, no: false, nothing: null, missing: undefined },
      tpl: `no interpolation`,
    } as const);
    """
    assert value(text) == {
        "name": "farm-chat",
        "quoted-key": "double",
        "features": ["ai", "realtime"],
        "nested": {"deep": {"list": [1, 2.5, -3, 16, 1000, 1000.0]}},
        "flags": {"yes": True, "no": False, "nothing": None, "missing": None},
        "tpl": "no interpolation",
    }


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("process.env.OLLAMA_URL", EnvRef("OLLAMA_URL")),
        ("process.env.OLLAMA_URL ?? 'http://localhost:11434'", EnvRef("OLLAMA_URL", "http://localhost:11434", "??")),
        ('process.env.DATABASE_URL || "mongodb://db/x"', EnvRef("DATABASE_URL", "mongodb://db/x", "||")),
        ("process.env['PORT'] ?? 8000", EnvRef("PORT", 8000, "??")),
        ("import.meta.env.VITE_API_URL", EnvRef("VITE_API_URL")),
        ("process.env.KEY!", EnvRef("KEY")),
    ],
)
def test_env_references_are_markers_with_their_default(source, expected):
    assert parse_expression(source) == expected


def test_code_that_is_not_a_literal_is_kept_as_source_with_a_note():
    result = parse_config_module(
        "export default { minify: process.env.NODE_ENV === 'production', url: `http://${host}:1`, "
        "plugins: [react()], fn: () => 1, re: /a+b/g }"
    )
    assert result.value == {
        "minify": Expr("process.env.NODE_ENV === 'production'"),
        "url": Expr("`http://${host}:1`"),
        "plugins": [Expr("react()")],
        "fn": Expr("() => 1"),
        "re": Expr("/a+b/g"),
    }
    messages = [n.message for n in result.notes]
    assert "expression with '===' kept as code" in messages
    assert "template literal with ${...} kept as code" in messages


def test_module_exports_satisfies_and_const_reference():
    text = """
    import type { FarmConfig } from '@farm-framework/types';
    const base = { database: { type: 'mongodb' } };
    const config: FarmConfig = {
      ...base,
      ...unknownThing,
      features: ['auth'],
    } satisfies FarmConfig;
    export default config;
    """
    result = parse_config_module(text)
    assert result.value == {"database": {"type": "mongodb"}, "features": ["auth"]}
    assert any(n.message == "spread of 'unknownThing' ignored" and n.line == 6 for n in result.notes)
    assert value("module.exports = { a: 1, b: [true] };") == {"a": 1, "b": [True]}


def test_arrow_config_methods_and_typed_functions():
    text = """
    export default defineConfig(() => ({
      port: 1,
      setup(app: App): void { app.use(x) },
      later: async (x: number): Promise<void> => { await x },
    }));
    """
    assert value(text) == {
        "port": 1,
        "setup": Expr("setup() {...}"),
        "later": Expr("async (x: number): Promise<void> => { await x }"),
    }


def test_key_lines_are_recorded_for_error_messages():
    result = parse_config_module(
        "export default {\n  ai: {\n    routing: {\n      production: 'ollama',\n    },\n  },\n  features: [\n 'x'] }"
    )
    assert result.lines["ai"] == 2
    assert result.lines["ai.routing.production"] == 4
    assert result.lines["features.0"] == 8


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ("export default { a: 1,\n  b: [1 2] }", "expected ',', found '2'", 2, 9),
        ("export default { a: 'open }", "unterminated string", 1, 21),
        ("export default {\n  a: 1\n  b: 2 }", "expected ',' or '}' in object, found 'b'", 3, 3),
        ("export default { a: 1 ", "expected ',' or '}' in object, found end of file", 1, 23),
        ("const x = 1;", "no `export default` or `module.exports =` found", 1, 13),
        ("export default { /* never closed", "unterminated /* comment", 1, 18),
    ],
)
def test_syntax_errors_carry_line_and_column(text, message, line, column):
    with pytest.raises(TsSyntaxError) as info:
        parse_config_module(text)
    assert (info.value.message, info.value.line, info.value.column) == (message, line, column)


def test_string_escapes_and_unicode():
    assert parse_expression(r"'a\'b\n\u00e9\x41\u{1F600}'") == "a'b\n\xe9A\U0001f600"


def test_farm_cli_generated_config_shape():
    # shaped like the FARM CLI's generated configs (see fixtures/README.md)
    result = parse_config_module((FIXTURES / "farm-cli-generated.farm.config.ts").read_text())
    assert result.value == {
        "name": "inventory-app",
        "template": "basic",
        "features": [],
        "database": {
            "type": "mongodb",
            "url": EnvRef("DATABASE_URL", "mongodb://localhost:27017/inventory-app", "||"),
        },
        "development": {"ports": {"frontend": 3000, "backend": 8000}},
    }
    assert result.lines["development.ports.backend"] == 9


def test_farm_bundler_config_with_calls_is_kept_as_code():
    # shaped like configs of the Farm bundler, which shares the file name (see fixtures/README.md)
    result = parse_config_module((FIXTURES / "farm-bundler-plugins.farm.config.ts").read_text())
    assert result.value["plugins"][:2] == ["@farmfe/plugin-react", "@farmfe/plugin-sass"]
    assert result.value["plugins"][2:] == [Expr("postcss()"), Expr("sass()")]
    assert result.value["vitePlugins"][0] == Expr("componentLibrary()")
    assert result.value["compilation"]["resolve"]["alias"] == {"@/": Expr("path.join(process.cwd(), 'src')")}


def test_example_app_config_parses_without_notes(example_app):
    result = parse_config_module((example_app / "farm.config.ts").read_text())
    assert result.notes == []
    assert result.value["ai"]["routing"] == {"development": "ollama", "staging": "openai", "production": "ollama"}
    assert result.value["ai"]["providers"]["openai"]["apiKey"] == EnvRef("OPENAI_API_KEY")
