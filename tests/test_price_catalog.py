"""The price catalog generator (pipelines/prices/catalog.py) and the seed it wrote.

SOURCES: tests/fixtures/litellm_price_map_excerpt.json holds 23 entries copied field for
field from litellm/model_prices_and_context_window_backup.json in the litellm 1.110.2 wheel
(its "_comment" key says so). tests/fixtures/model_prices_2026_11.csv is the hand-made
catalog the generated one replaced (`git show HEAD:dbt_project/seeds/model_prices.csv` before
the change). Every expected number below is written by hand from those files: the map's
per-token float times one million (5e-06 -> 5, 1.25e-07 -> 0.125), never computed by the code
under test. No test touches the network.
"""

from __future__ import annotations

import csv
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.prices import catalog
from pipelines.prices.catalog import (
    Report,
    build_catalog,
    format_decimal,
    per_million,
    read_overrides,
    tier_for,
)

FIXTURES = Path(__file__).parent / "fixtures"
EXCERPT = FIXTURES / "litellm_price_map_excerpt.json"
HAND_MADE_CATALOG = FIXTURES / "model_prices_2026_11.csv"
SHIPPED_SEED = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "model_prices.csv"

HEADER = [
    "provider", "model", "valid_from", "valid_to", "tier",
    "input_usd_per_mtok", "output_usd_per_mtok", "cache_read_usd_per_mtok",
    "cache_write_usd_per_mtok", "cache_write_1h_usd_per_mtok",
    "long_context_above_tokens", "input_usd_per_mtok_long", "output_usd_per_mtok_long",
    "cache_read_usd_per_mtok_long", "cache_write_usd_per_mtok_long",
    "cache_write_1h_usd_per_mtok_long", "fast_multiplier", "source",
]
PRICES = ["input_usd_per_mtok", "output_usd_per_mtok", "cache_read_usd_per_mtok",
          "cache_write_usd_per_mtok", "cache_write_1h_usd_per_mtok"]
LONG = ["long_context_above_tokens", "input_usd_per_mtok_long", "output_usd_per_mtok_long",
        "cache_read_usd_per_mtok_long", "cache_write_usd_per_mtok_long",
        "cache_write_1h_usd_per_mtok_long"]
NO_LONG_CONTEXT = dict.fromkeys(LONG, "")


def excerpt() -> dict:
    return json.loads(EXCERPT.read_text())


def rows_by_model(rows) -> dict[tuple[str, str], dict]:
    return {(row["provider"], row["model"]): row for row in rows}


@pytest.fixture(scope="module")
def generated() -> dict[tuple[str, str], dict]:
    return rows_by_model(build_catalog(excerpt(), [], "litellm 1.110.2"))


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def same_price(left: str, right: str) -> bool:
    if left == "" or right == "":
        return left == right
    return Decimal(left) == Decimal(right)


# ---- conversion ------------------------------------------------------------------------------

@pytest.mark.parametrize(("per_token", "per_million_text"), [
    (3e-06, "3"),
    (3.75e-06, "3.75"),
    (1.25e-07, "0.125"),
    (2.8e-08, "0.028"),
    (0.000168, "168"),
    (0.0, "0"),
    (0, "0"),
    # float noise: repr is the shortest round-trip text, then the seed's 6 decimals
    (3.0000000000000004e-06, "3"),
    (2.9999900000000002e-06, "2.99999"),
])
def test_per_token_floats_become_exact_prices_per_million(per_token, per_million_text):
    assert format_decimal(per_million(per_token)) == per_million_text


def test_a_price_that_is_not_a_number_is_refused():
    with pytest.raises(ValueError):
        per_million("3e-06")
    with pytest.raises(ValueError):
        per_million(True)


# ---- which entries become rows, under which provider and model -------------------------------

def test_every_chat_completion_and_responses_entry_is_a_row_and_nothing_else(generated):
    assert set(generated) == {
        ("anthropic", "claude-opus-4-8"),
        ("anthropic", "claude-opus-5-5"),
        ("anthropic", "claude-opus-latest"),          # alias_of claude-opus-5-5
        ("anthropic", "claude-haiku-5-5"),
        ("anthropic", "claude-sonnet-4-5"),
        ("gemini", "gemini-2.5-pro"),
        ("openai", "gpt-5.6"),
        ("openai", "gpt-3.5-turbo-instruct"),         # completion, text-completion-openai
        ("azure", "o3-pro"),                          # responses
        ("deepseek", "deepseek-chat"),                # two keys, one row
        ("bedrock", "anthropic.claude-sonnet-4-20250514-v1:0"),
        ("bedrock", "anthropic.claude-opus-4-20250514-v1:0"),
        ("bedrock", "us.anthropic.claude-opus-4-6-v1"),
        ("vertex_ai", "claude-opus-4-5"),
        ("azure_ai", "claude-opus-5-5"),
        ("azure_ai", "claude-opus-5-5-fast"),
        ("groq", "openai/gpt-oss-120b"),
        ("databricks", "databricks-claude-sonnet-4-1"),
        ("dashscope", "qwen-flash"),
    }


def test_skipped_entries_are_counted_by_reason():
    report = Report()
    build_catalog(excerpt(), [], "litellm 1.110.2", report)
    # text-embedding-3-small and gpt-image-1 carry an input_cost_per_token, yet are skipped
    assert dict(report.skipped_modes) == {"embedding": 1, "image_generation": 1}
    assert report.unpriced == ["heroku/claude-3-7-sonnet"]


@pytest.mark.parametrize(("litellm_provider", "ours"), [
    ("anthropic", "anthropic"),
    ("bedrock", "bedrock"),
    ("bedrock_converse", "bedrock"),
    ("bedrock_mantle", "bedrock_mantle"),
    ("vertex_ai", "vertex_ai"),
    ("vertex_ai-anthropic_models", "vertex_ai"),
    ("vertex_ai-language-models", "vertex_ai"),
    ("azure", "azure"),
    ("azure_text", "azure"),
    ("azure_ai", "azure_ai"),
    ("text-completion-openai", "openai"),
    ("together_ai", "together_ai"),
    ("novita", "novita"),
])
def test_provider_names(litellm_provider, ours):
    assert catalog.provider_name(litellm_provider) == ours


def test_one_leading_provider_prefix_is_stripped(generated):
    assert generated[("gemini", "gemini-2.5-pro")]["input_usd_per_mtok"] == "1.25"
    assert generated[("groq", "openai/gpt-oss-120b")]["input_usd_per_mtok"] == "0.15"
    assert generated[("vertex_ai", "claude-opus-4-5")]["output_usd_per_mtok"] == "25"
    assert catalog.strip_provider_prefix(
        "fireworks_ai/accounts/fireworks/models/kimi-k2-instruct", "fireworks_ai",
        "fireworks_ai") == "accounts/fireworks/models/kimi-k2-instruct"


def test_of_two_keys_for_one_model_the_one_with_more_prices_wins(generated):
    # deepseek/deepseek-chat has cache_creation_input_token_cost 0.0, deepseek-chat none
    row = generated[("deepseek", "deepseek-chat")]
    assert [row[column] for column in PRICES] == ["0.28", "0.42", "0.028", "0", ""]


# ---- the price columns -----------------------------------------------------------------------

def test_an_anthropic_row_has_every_cache_price_and_the_fast_multiplier(generated):
    assert generated[("anthropic", "claude-opus-4-8")] == {
        "provider": "anthropic", "model": "claude-opus-4-8", "valid_from": "2024-01-01",
        "valid_to": "", "tier": "frontier",
        "input_usd_per_mtok": "5", "output_usd_per_mtok": "25",
        "cache_read_usd_per_mtok": "0.5", "cache_write_usd_per_mtok": "6.25",
        "cache_write_1h_usd_per_mtok": "10",
        **NO_LONG_CONTEXT,
        "fast_multiplier": "2", "source": "litellm 1.110.2",
    }


def test_long_context_prices_come_from_the_above_threshold_fields(generated):
    haiku = generated[("anthropic", "claude-haiku-5-5")]
    assert [haiku[column] for column in PRICES] == ["0.1", "0.5", "0.01", "0.125", "0.2"]
    assert [haiku[column] for column in LONG] == ["100000", "0.5", "2.5", "0.05", "0.625", "1"]

    gemini = generated[("gemini", "gemini-2.5-pro")]
    assert [gemini[column] for column in PRICES] == ["1.25", "10", "0.125", "", ""]
    assert [gemini[column] for column in LONG] == ["200000", "2.5", "15", "0.25", "", ""]

    # gpt-5.6's 12-hour cache writes (..._above_12hr...) are not 1-hour writes
    gpt = generated[("openai", "gpt-5.6")]
    assert [gpt[column] for column in PRICES] == ["4", "20", "0.4", "5", ""]
    assert [gpt[column] for column in LONG] == ["272000", "8", "30", "0.8", "10", ""]

    sonnet_4 = generated[("bedrock", "anthropic.claude-sonnet-4-20250514-v1:0")]
    assert [sonnet_4[column] for column in PRICES] == ["3", "15", "0.3", "3.75", ""]
    assert [sonnet_4[column] for column in LONG] == ["200000", "6", "22.5", "0.6", "7.5", ""]


def test_a_model_without_long_context_pricing_has_blank_long_columns(generated):
    opus_4 = generated[("bedrock", "anthropic.claude-opus-4-20250514-v1:0")]
    assert [opus_4[column] for column in PRICES] == ["15", "75", "1.5", "18.75", ""]
    assert [opus_4[column] for column in LONG] == [""] * 6


def test_tiered_pricing_gives_the_base_and_the_long_tier(generated):
    qwen = generated[("dashscope", "qwen-flash")]
    assert [qwen[column] for column in PRICES] == ["0.05", "0.4", "", "", ""]
    assert [qwen[column] for column in LONG] == ["256000", "0.25", "2", "", "", ""]


def test_float_noise_in_the_map_is_rounded_to_six_decimals(generated):
    row = generated[("databricks", "databricks-claude-sonnet-4-1")]
    assert [row[column] for column in PRICES] == ["2.99999", "15.00002", "0.30002", "3.74997", ""]


def test_regional_bedrock_ids_keep_their_own_prices(generated):
    row = generated[("bedrock", "us.anthropic.claude-opus-4-6-v1")]
    assert [row[column] for column in PRICES] == ["5.5", "27.5", "0.55", "6.875", "11"]
    assert row["fast_multiplier"] == ""


def test_fast_multiplier_from_the_provider_specific_entry_or_a_fast_twin(generated):
    assert generated[("anthropic", "claude-opus-5-5")]["fast_multiplier"] == "2"
    # azure_ai/claude-opus-5-5-fast is priced at twice azure_ai/claude-opus-5-5 throughout
    assert generated[("azure_ai", "claude-opus-5-5")]["fast_multiplier"] == "2"
    fast_twin = generated[("azure_ai", "claude-opus-5-5-fast")]
    assert (fast_twin["fast_multiplier"], fast_twin["input_usd_per_mtok"]) == ("", "8")
    assert generated[("anthropic", "claude-sonnet-4-5")]["fast_multiplier"] == ""


def test_an_alias_is_priced_as_its_target(generated):
    alias = generated[("anthropic", "claude-opus-latest")]
    assert [alias[column] for column in PRICES] == ["4", "20", "0.2", "5", "8"]
    assert (alias["tier"], alias["fast_multiplier"]) == ("frontier", "2")


# ---- tiers -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("model", "tier"), [
    ("claude-opus-4-8", "frontier"),
    ("us.anthropic.claude-opus-4-6-v1", "frontier"),
    ("claude-opus-5-5-fast", "frontier"),
    ("claude-mythos-5", "frontier"),
    ("anthropic/claude-4-opus", "frontier"),
    ("claude-3-opus-20240229", "mid"),
    ("claude-sonnet-4-20250514", "mid"),
    ("claude-haiku-4-5-20251001", "mid"),
    ("gpt-5", "frontier"),
    ("gpt-5.1-codex-max", "frontier"),
    ("gpt-5-mini", "mid"),
    ("gpt-5.1-codex-mini", "mid"),
    ("gpt-6-luna", "mid"),
    ("gpt-4.1", "mid"),
    ("gpt-35-turbo", "mid"),                        # Azure's name for GPT-3.5
    ("o1", "frontier"),
    ("o1-2024-12-17", "frontier"),
    ("o3", "mid"),
    ("o3-pro", "frontier"),
    ("o3-mini", "mid"),
    ("gemini-2.5-pro", "frontier"),
    ("gemini-2.5-flash", "mid"),
    ("databricks-gemini-3-1-pro", "frontier"),
    ("grok-4.20-reasoning", "frontier"),
    ("grok-code-fast-1", "mid"),
    ("grok4.6", "frontier"),
    ("mistral-large-latest", "mid"),
    ("mistral-small-latest", "open"),
    ("codestral-latest", "mid"),
    ("deepseek-v4-flash", "open"),
    ("qwen-flash", "open"),
    ("openai/gpt-oss-120b", "open"),
    ("gemma-3-27b-it", "open"),
    ("accounts/fireworks/models/kimi-k2-instruct", "open"),
    ("gpt-3.5-turbo-instruct", "mid"),
])
def test_tier_rules(model, tier):
    assert tier_for(model) == tier


def test_tier_rules_agree_with_every_row_of_the_hand_made_catalog():
    rows = read_csv(HAND_MADE_CATALOG)
    assert len(rows) == 65
    assert {(row["model"], tier_for(row["model"])) for row in rows} == {
        (row["model"], row["tier"]) for row in rows}


# ---- overrides -------------------------------------------------------------------------------

def test_an_override_replaces_the_map_row_and_adds_missing_models(tmp_path):
    overrides = tmp_path / "overrides.csv"
    overrides.write_text(
        "# a note\n" + ",".join(HEADER) + "\n"
        "anthropic,claude-sonnet-4-5,2024-01-01,,mid,3.5,15.0,0.30,3.75,6,,,,,,,,override\n"
        "anthropic,claude-sonnet-4-20250514,,,,3,15,0.3,3.75,6,,,,,,,,\n")
    report = Report()
    rows = rows_by_model(build_catalog(excerpt(), read_overrides(overrides), "litellm 1.110.2",
                                       report))
    replaced = rows[("anthropic", "claude-sonnet-4-5")]
    assert [replaced[column] for column in PRICES] == ["3.5", "15", "0.3", "3.75", "6"]
    assert replaced["source"] == "override"
    added = rows[("anthropic", "claude-sonnet-4-20250514")]
    assert (added["valid_from"], added["tier"], added["source"]) == ("2024-01-01", "mid",
                                                                     "override")
    assert report.overridden == [
        "anthropic/claude-sonnet-4-5/2024-01-01: input_usd_per_mtok map 3 -> 3.5"]
    assert report.added == ["anthropic/claude-sonnet-4-20250514/2024-01-01"]


def test_an_overrides_file_with_other_columns_is_refused(tmp_path):
    overrides = tmp_path / "overrides.csv"
    overrides.write_text("provider,model,input_usd_per_mtok\nanthropic,x,1\n")
    with pytest.raises(ValueError, match="columns must be"):
        read_overrides(overrides)


def test_the_shipped_overrides_read_cleanly():
    rows = read_overrides(catalog.OVERRIDES)
    assert rows and {row["source"] for row in rows} == {"override"}


# ---- the command -----------------------------------------------------------------------------

def test_the_command_writes_the_same_bytes_for_the_same_map(tmp_path, capsys):
    shuffled = tmp_path / "shuffled.json"
    shuffled.write_text(json.dumps(dict(reversed(list(excerpt().items())))))
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    assert catalog.main(["--json", str(EXCERPT), "--out", str(first)]) == 0
    assert catalog.main(["--json", str(shuffled), "--out", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    written = read_csv(first)
    assert list(written[0]) == HEADER
    keys = [(row["provider"], row["model"], row["valid_from"]) for row in written]
    assert keys == sorted(keys)
    assert "wrote" in capsys.readouterr().out


def test_the_map_is_read_out_of_the_downloaded_wheel_without_installing_it(monkeypatch):
    calls = []

    def fake_pip(command, **_):
        calls.append(command)
        dest = Path(command[command.index("--dest") + 1])
        with zipfile.ZipFile(dest / "litellm-1.110.2-py3-none-any.whl", "w") as wheel:
            wheel.writestr("litellm/model_prices_and_context_window_backup.json",
                           EXCERPT.read_text())

        class Done:
            returncode, stdout, stderr = 0, "", ""
        return Done()

    monkeypatch.setattr(catalog.subprocess, "run", fake_pip)
    price_map = catalog.download_price_map("1.110.2")
    assert price_map["claude-opus-4-8"]["input_cost_per_token"] == 5e-06
    (command,) = calls
    assert command[1:4] == ["-m", "pip", "download"]
    assert "--no-deps" in command and command[-1] == "litellm==1.110.2"


# ---- the committed seed ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped() -> list[dict]:
    return read_csv(SHIPPED_SEED)


def test_every_hand_made_catalog_row_is_in_the_seed_with_the_same_tier_and_prices(shipped):
    by_key = {(row["provider"], row["model"], row["valid_from"]): row for row in shipped}
    for old in read_csv(HAND_MADE_CATALOG):
        new = by_key.get((old["provider"], old["model"], old["valid_from"]))
        assert new is not None, f"{old['provider']}/{old['model']} is gone"
        assert new["tier"] == old["tier"], old["model"]
        for column in PRICES:
            assert same_price(new[column], old[column]), (old["model"], column)


@pytest.mark.parametrize(("model", "prices"), [
    # Anthropic's list prices: input, output, cache read, 5-minute write, 1-hour write
    ("claude-sonnet-4-20250514", ["3", "15", "0.3", "3.75", "6"]),
    ("claude-opus-4-20250514", ["15", "75", "1.5", "18.75", "30"]),
])
def test_the_seed_prices_2025_claude_models_at_anthropic_list_prices(shipped, model, prices):
    (row,) = [row for row in shipped if (row["provider"], row["model"]) == ("anthropic", model)]
    assert [row[column] for column in PRICES] == prices


def test_the_seed_is_sorted_unique_and_written_in_plain_decimals(shipped):
    assert list(shipped[0]) == HEADER
    keys = [(row["provider"], row["model"], row["valid_from"]) for row in shipped]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    for row in shipped:
        assert row["input_usd_per_mtok"] and row["output_usd_per_mtok"], row["model"]
        assert row["tier"] in {"frontier", "mid", "open"}
        assert row["source"] in {f"litellm {catalog.LITELLM_VERSION}", "override"}
        for column in (*PRICES, *LONG[1:], "fast_multiplier"):
            text = row[column]
            if text:
                assert "e" not in text.lower() and not text.endswith("."), (row["model"], text)
                assert -Decimal(text).as_tuple().exponent <= 6, (row["model"], column, text)
