"""Every table, view and column is documented, and the committed dictionary is current."""

from pathlib import Path

from typer.testing import CliRunner

from flows.cli.commands import app
from warehouse.dictionary import data_dictionary, undocumented

ROOT = Path(__file__).resolve().parents[2]


def test_every_table_view_and_column_has_a_comment():
    assert undocumented() == []


def test_committed_dictionary_is_up_to_date():
    committed = (ROOT / "docs" / "data-dictionary.md").read_text()
    assert committed.strip() == data_dictionary().strip(), (
        "run: gazette schema > docs/data-dictionary.md"
    )


def test_schema_command_prints_the_dictionary():
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert "## `fact_article` (table)" in result.output
    assert "## `v_story` (view)" in result.output
