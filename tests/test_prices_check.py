"""`tokenroi prices check` names the models nobody prices, their tokens, and the catalog ids
nearest to each."""

from __future__ import annotations

import duckdb

from pipelines.prices.check import unpriced_models


def test_unpriced_models_come_with_their_tokens_and_nearest_catalog_ids(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute("""create table marts.fct_agent_calls as select * from (values
            ('anthropic', 'claude-sonet-4-5', 'unpriced', 100, 0, 0, 0, 20),
            ('anthropic', 'claude-sonet-4-5', 'unpriced', 50, 10, 0, 0, 5),
            ('acme', 'acme-large-2', 'unpriced', 7, 0, 0, 0, 1),
            ('openai', 'gpt-5', 'catalog', 999, 0, 0, 0, 9))
            as t(provider, model, cost_source, input_tokens, cache_read_tokens,
                 cache_write_tokens, cache_write_1h_tokens, output_tokens)""")
    catalog = tmp_path / "model_prices.csv"
    catalog.write_text("provider,model\nanthropic,claude-sonnet-4-5\nanthropic,claude-opus-4-6\n"
                       "openai,gpt-5\n")
    found = unpriced_models(warehouse, [catalog, tmp_path / "absent.csv"])
    assert [(f.provider, f.model, f.calls, f.tokens) for f in found] == [
        ("anthropic", "claude-sonet-4-5", 2, 185), ("acme", "acme-large-2", 1, 8)]
    assert found[0].nearest[0] == "claude-sonnet-4-5"
    assert found[1].nearest == []
    assert found[0].line() == ("anthropic/claude-sonet-4-5: 2 calls, 185 tokens; nearest "
                               f"catalog ids: {', '.join(found[0].nearest)}")
