"""Generate the shipped price catalog (dbt_project/seeds/model_prices.csv) from LiteLLM's price map.

Run it with `make prices`, i.e. `python -m pipelines.prices.catalog [--version V] [--out PATH]
[--json PATH]`. Same map and overrides in, same bytes out.

Where the prices come from
    `python -m pip download --no-deps --only-binary=:all: litellm==<LITELLM_VERSION>` into a
    temporary folder, then `litellm/model_prices_and_context_window_backup.json` is read out of
    the wheel (a zip). litellm is never installed or imported. `--json PATH` reads a local copy
    of the map instead (its rows are still labelled with --version).

Which entries become rows
    Every entry whose `mode` is chat, completion or responses, of every provider, plus every
    `alias_of` entry (e.g. "claude-opus-latest") whose target is one: the alias gets its
    target's prices and tier under its own name. Skipped, with the reason:
      embedding, rerank, moderation, search, ocr, evaluation, extraction, decisions,
      guardrail, vector_store -- not text generation: no agent call is priced with them;
      image_generation, image_edit, video_generation -- priced per image / pixel / second;
      audio_transcription, audio_speech, realtime -- priced per audio token, second or
      character, outside the catalog's five text prices;
      entries without a mode: the map's "sample_spec" documentation, Fireworks' size-class
      fallback prices ("fireworks-ai-up-to-4b" ...: no model is called that), Deepgram
      text-to-speech, "fallback_generalizations";
      chat entries with no per-token input or output price (priced per second, per
      character or per request, or simply unpriced in the map).
    The generator prints how many entries each rule skipped.

Provider (our name for the map's litellm_provider; see PROVIDER_NAMES)
    bedrock and bedrock_converse are one provider, "bedrock" (bedrock_mantle, the OpenAI-
    compatible Bedrock endpoint, has its own prices and stays "bedrock_mantle"); every
    vertex_ai-* family is "vertex_ai"; azure_text is "azure"; text-completion-openai is
    "openai"; text-completion-codestral is "codestral"; cohere_chat is "cohere";
    text-completion-inception is "inception". Every other provider keeps the map's name.

Model
    The map's key without one leading "<litellm_provider>/" or "<provider>/" prefix:
    "gemini/gemini-2.5-pro" -> "gemini-2.5-pro", "groq/openai/gpt-oss-120b" ->
    "openai/gpt-oss-120b", "vertex_ai/claude-opus-4-5" -> "claude-opus-4-5". Dated ids
    ("claude-opus-4-5-20251101"), Bedrock ids ("us.anthropic.claude-opus-4-6-v1") and
    Vertex ids ("claude-opus-4-6@default") stay rows of their own.
    Where two keys give the same (provider, model) -- "deepseek-chat" and
    "deepseek/deepseek-chat", or a bedrock and a bedrock_converse entry -- the row with more
    non-zero prices wins, then the one with more prices at all, then the alphabetically
    first key. The generator prints every such pair whose prices differ.

Prices
    USD per million tokens as exact decimals: Decimal(repr(per_token_float)) * 10**6, rounded
    to the seed's scale (decimal(18, 6); the map has a few values with float noise, e.g.
    2.9999900000000002e-06) and written without trailing zeros: 3e-06 -> "3",
    3.75e-06 -> "3.75". Blank means the map has no such price (dbt then falls back to the
    input price, and a 1-hour write to the 5-minute price).
      input / output          input_cost_per_token / output_cost_per_token
      cache_read              cache_read_input_token_cost
      cache_write (5 minutes) cache_creation_input_token_cost
      cache_write_1h          cache_creation_input_token_cost_above_1hr
    Long context: the `_above_<N>k_tokens` twin of each of those five fields (e.g.
    input_cost_per_token_above_200k_tokens, cache_creation_input_token_cost_above_1hr_above_
    200k_tokens) fills the `*_long` column and N*1000 is long_context_above_tokens (the whole
    request is billed at the long rates when its prompt exceeds it). An entry with two
    thresholds (a handful: 32k and 256k, 128k and 256k) keeps the lowest; the generator
    prints them. An entry priced only by a `tiered_pricing` list (dashscope, qwen) takes its
    first range as the base prices and its second range, if any, as the long tier (a third
    range is dropped and printed).
    Fast mode: fast_multiplier is `provider_specific_entry.fast` (LiteLLM multiplies every
    token price by it when the response's usage says speed "fast": Anthropic's fast mode for
    Claude Opus); else, where the map lists a separate "<key>-fast" entry of the same
    provider whose every price is one multiple of the base entry's (azure_ai/
    claude-opus-5-5-fast, github_copilot/claude-opus-4.8-fast), that multiple goes on the
    base row (the -fast entry stays a row of its own, with a blank multiplier). Only Claude
    entries: other "-fast" entries (grok-3-fast, Fireworks' glm-5p1-fast) are models or
    serving tiers of their own, not Claude Code's fast mode.
    Not carried: service tiers (*_batches, *_flex, *_priority, *_ultrafast, *_balanced,
    *_decisions), regional surcharges (provider_specific_entry "us": 1.1,
    regional_*_uplift_multiplier, fedramp_uplift_multiplier), 12-hour cache writes
    (cache_creation_input_token_cost_above_12hr), off_peak_pricing, reasoning-, audio-,
    image- and video-token prices, and per-query web-search prices.

Dates
    valid_from is 2024-01-01, a baseline valid until a dated row of the same model supersedes
    it; valid_to is blank. An override may say otherwise.

Tier
    TIER_RULES below: an ordered table of regexes over the lower-cased model id (an alias:
    its target's id); the first match wins. It gives every row of the hand-made catalog it
    replaced (tests/fixtures/model_prices_2026_11.csv) the tier that catalog had.

Overrides
    pipelines/prices/overrides.csv has the catalog's columns. Each row replaces the map's row
    with the same (provider, model, valid_from) or adds one (models the map lacks, dated
    price changes). A blank tier takes TIER_RULES, a blank valid_from the baseline; source
    is "override". Every row of the hand-made catalog this one replaced must stay, with its
    tier and prices (the sample org's generator and its truth.json price with them;
    tests/test_price_catalog.py checks it): where a later map disagrees, an override keeps
    the old price. With litellm 1.110.2 the map agrees with all 65; the overrides add the
    retired Claude models the map no longer lists (claude-sonnet-4-20250514 ...).

Sort order: provider, model, valid_from.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

# The map is read from this litellm release, the newest on the package registry when the
# catalog was generated. Bump it, run `make prices` and review the seed's diff.
LITELLM_VERSION = "1.110.2"
MAP_MEMBER = "litellm/model_prices_and_context_window_backup.json"

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO_ROOT / "dbt_project" / "seeds" / "model_prices.csv"
OVERRIDES = Path(__file__).resolve().parent / "overrides.csv"

BASELINE_VALID_FROM = "2024-01-01"
CHAT_MODES = frozenset({"chat", "completion", "responses"})

PRICE_COLUMNS = (
    "input_usd_per_mtok",
    "output_usd_per_mtok",
    "cache_read_usd_per_mtok",
    "cache_write_usd_per_mtok",
    "cache_write_1h_usd_per_mtok",
)
LONG_PRICE_COLUMNS = tuple(f"{column}_long" for column in PRICE_COLUMNS)
COLUMNS = (
    "provider", "model", "valid_from", "valid_to", "tier", *PRICE_COLUMNS,
    "long_context_above_tokens", *LONG_PRICE_COLUMNS, "fast_multiplier", "source",
)
DECIMAL_COLUMNS = (*PRICE_COLUMNS, *LONG_PRICE_COLUMNS, "fast_multiplier")

# The map's per-token field -> the catalog's per-million column.
MAP_PRICE_FIELDS = {
    "input_cost_per_token": "input_usd_per_mtok",
    "output_cost_per_token": "output_usd_per_mtok",
    "cache_read_input_token_cost": "cache_read_usd_per_mtok",
    "cache_creation_input_token_cost": "cache_write_usd_per_mtok",
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h_usd_per_mtok",
}
# A price field, optionally with its long-context threshold ("_above_200k_tokens"); anything
# else after the stem (_batches, _flex, _priority, _above_12hr ...) does not match.
_PRICE_FIELD = re.compile(
    r"^(?P<stem>" + "|".join(sorted(MAP_PRICE_FIELDS, key=len, reverse=True)) + r")"
    r"(?:_above_(?P<threshold>\d+(?:\.\d+)?k?)_tokens)?$"
)

# litellm_provider -> our provider name. Unlisted providers keep the map's name; every
# "vertex_ai-<family>" is vertex_ai (see provider_name).
PROVIDER_NAMES = {
    "anthropic": "anthropic",
    "openai": "openai",
    "text-completion-openai": "openai",
    "bedrock": "bedrock",
    "bedrock_converse": "bedrock",
    "vertex_ai": "vertex_ai",
    "azure": "azure",
    "azure_text": "azure",
    "azure_ai": "azure_ai",
    "gemini": "gemini",
    "mistral": "mistral",
    "codestral": "codestral",
    "text-completion-codestral": "codestral",
    "deepseek": "deepseek",
    "xai": "xai",
    "groq": "groq",
    "together_ai": "together_ai",
    "fireworks_ai": "fireworks_ai",
    "deepinfra": "deepinfra",
    "openrouter": "openrouter",
    "cohere_chat": "cohere",
    "text-completion-inception": "inception",
}

# (tier, regex searched in the lower-cased model id, why). First match wins; the order matters.
TIER_RULES: tuple[tuple[str, str, str], ...] = (
    ("open", r"gpt-oss", "OpenAI's open-weight models"),
    ("open", r"llama", "Meta Llama and its fine-tunes"),
    ("open", r"qwen|qwq", "Alibaba Qwen"),
    ("open", r"deepseek", "DeepSeek: open weights, the hosted API included"),
    ("open", r"mixtral|ministral|open-(mistral|mixtral|codestral)|mistral-(small|tiny|nemo|7b)"
             r"|(devstral|magistral)-small|pixtral-12b|codestral-mamba",
     "Mistral's open-weight models (Mistral Large, Medium and Codestral are not)"),
    ("open", r"gemma", "Google Gemma"),
    ("open", r"kimi|moonshot", "Moonshot Kimi"),
    ("open", r"glm", "Zhipu / Z.ai GLM"),
    ("open", r"minimax|nemotron|olmo|granite|(^|[^a-z])phi-?\d|falcon|jamba|starcoder|dbrx",
     "other open-weight families"),
    ("frontier", r"claude-(opus|mythos|fable)|claude-[4-9]-opus",
     "Anthropic's top models, a -fast variant included (Sonnet is mid, as it was hand-made)"),
    ("mid", r"(^|[^a-z0-9])(mini|nano|lite|flash|haiku|fast|luna|terra)([^a-z0-9]|$)",
     "small and fast sizes of every lab (luna, terra: OpenAI's 2026 small and medium)"),
    ("frontier", r"gpt-[5-9]([^0-9]|$)",
     "GPT-5 and later, their pro and codex models (not Azure's gpt-35-turbo)"),
    ("frontier", r"(^|[^a-z0-9])o1([^a-z0-9]|$)|(^|[^a-z0-9])o3-pro",
     "o1 and o3-pro (o3 itself is mid, as it was hand-made)"),
    ("frontier", r"gemini-[2-9]([.-]\d+)?-pro|gemini-pro-latest", "Gemini 2 and later Pro"),
    ("frontier", r"grok-?[4-9]([^0-9]|$)", "Grok 4 and later"),
    ("mid", r"", "everything else: Sonnet, GPT-4.x, o3, older models, other labs"),
)
_TIER_PATTERNS = tuple((tier, re.compile(pattern)) for tier, pattern, _ in TIER_RULES)

MILLION = Decimal(1_000_000)
SCALE = Decimal("0.000001")  # the seed's decimal(18, 6)


def tier_for(model: str) -> str:
    """The tier of a model id by TIER_RULES (first matching regex)."""
    lowered = model.lower()
    for tier, pattern in _TIER_PATTERNS:
        if pattern.search(lowered):
            return tier
    raise AssertionError("the last rule matches everything")


def provider_name(litellm_provider: str) -> str:
    """Our provider name for the map's litellm_provider (PROVIDER_NAMES)."""
    if litellm_provider.startswith("vertex_ai"):
        return "vertex_ai"
    return PROVIDER_NAMES.get(litellm_provider, litellm_provider)


def strip_provider_prefix(key: str, litellm_provider: str, provider: str) -> str:
    """The map's key without one leading "<litellm_provider>/" or "<provider>/"."""
    for prefix in (litellm_provider, provider):
        if key.startswith(prefix + "/"):
            return key[len(prefix) + 1:]
    return key


def per_million(value: object) -> Decimal:
    """A per-token price from the map as exact USD per million tokens (scale 6)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"not a price: {value!r}")
    return (Decimal(repr(value)) * MILLION).quantize(SCALE, rounding=ROUND_HALF_EVEN)


def format_decimal(value: Decimal | None) -> str:
    """"3" for 3.000000, "3.75" for 3.750000, "" for None; never exponent notation."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


def parse_threshold(text: str) -> int:
    """ "200k" -> 200000 (LiteLLM reads a "k" as thousands), "128000" -> 128000."""
    if text.endswith("k"):
        return int(Decimal(text[:-1]) * 1000)
    return int(Decimal(text))


@dataclass
class Report:
    """What the generator skipped, merged or overrode, printed after a run."""

    skipped_modes: Counter = field(default_factory=Counter)
    unpriced: list[str] = field(default_factory=list)
    rounded: list[str] = field(default_factory=list)
    several_thresholds: list[str] = field(default_factory=list)
    dropped_tiers: list[str] = field(default_factory=list)
    collisions: list[str] = field(default_factory=list)
    derived_fast: list[str] = field(default_factory=list)
    overridden: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"skipped (mode): {dict(sorted(self.skipped_modes.items()))}",
               f"skipped (no per-token input/output price): {len(self.unpriced)}"]
        sections = (
            ("prices rounded to 6 decimals (float noise in the map)", self.rounded),
            ("several long-context thresholds (the lowest kept)", self.several_thresholds),
            ("tiered_pricing ranges dropped", self.dropped_tiers),
            ("same (provider, model) from two keys, prices differ", self.collisions),
            ("fast_multiplier from a separate -fast entry", self.derived_fast),
            ("overrides replacing a map row", self.overridden),
            ("overrides adding a row", self.added),
        )
        for title, items in sections:
            out.append(f"{title}: {len(items)}")
            out.extend(f"  {item}" for item in items)
        return out


def _prices_of(key: str, entry: Mapping, report: Report) -> dict[str, str]:
    """The catalog's price columns for one map entry (blank where the map has none)."""
    base: dict[str, Decimal] = {}
    by_threshold: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for name, value in entry.items():
        match = _PRICE_FIELD.match(name)
        if match is None or value is None:
            continue
        price = per_million(value)
        if price != Decimal(repr(value)) * MILLION:
            report.rounded.append(f"{key}: {name} = {value!r}")
        column = MAP_PRICE_FIELDS[match["stem"]]
        if match["threshold"] is None:
            base[column] = price
        else:
            by_threshold[parse_threshold(match["threshold"])][column] = price

    tiers = sorted(entry.get("tiered_pricing") or [], key=lambda tier: tier["range"][0])
    if tiers and tiers[0]["range"][0] == 0:
        first = {MAP_PRICE_FIELDS[name]: per_million(value)
                 for name, value in tiers[0].items() if name in MAP_PRICE_FIELDS}
        for column, price in first.items():
            base.setdefault(column, price)
        if len(tiers) > 1 and not by_threshold:
            by_threshold[int(tiers[1]["range"][0])] = {
                MAP_PRICE_FIELDS[name]: per_million(value)
                for name, value in tiers[1].items() if name in MAP_PRICE_FIELDS}
        for dropped in tiers[2:]:
            report.dropped_tiers.append(f"{key}: range {dropped['range']}")

    row = {column: format_decimal(base.get(column)) for column in PRICE_COLUMNS}
    row["long_context_above_tokens"] = ""
    row.update(dict.fromkeys(LONG_PRICE_COLUMNS, ""))
    if by_threshold:
        if len(by_threshold) > 1:
            report.several_thresholds.append(f"{key}: {sorted(by_threshold)}")
        threshold = min(by_threshold)
        row["long_context_above_tokens"] = str(threshold)
        for column, long_column in zip(PRICE_COLUMNS, LONG_PRICE_COLUMNS, strict=True):
            row[long_column] = format_decimal(by_threshold[threshold].get(column))
    return row


def _fast_multiplier(entry: Mapping) -> str:
    fast = (entry.get("provider_specific_entry") or {}).get("fast")
    return "" if fast is None else format_decimal(Decimal(repr(fast)))


def _uniform_multiple(base: Mapping[str, str], fast: Mapping[str, str]) -> Decimal | None:
    """The one ratio fast / base over every price both rows have, if there is one (> 1)."""
    ratios = {Decimal(fast[column]) / Decimal(base[column])
              for column in (*PRICE_COLUMNS, *LONG_PRICE_COLUMNS)
              if base[column] and fast[column] and Decimal(base[column]) != 0}
    if len(ratios) != 1 or not base["input_usd_per_mtok"] or not base["output_usd_per_mtok"]:
        return None
    (ratio,) = ratios
    return ratio if ratio > 1 else None


def _preference(row: Mapping[str, str], key: str) -> tuple:
    """Sort key among rows with the same (provider, model): the smallest is kept."""
    prices = [row[column] for column in (*PRICE_COLUMNS, *LONG_PRICE_COLUMNS) if row[column]]
    return (-sum(1 for price in prices if Decimal(price) != 0), -len(prices), key)


def map_rows(price_map: Mapping[str, object], source: str, report: Report) -> list[dict]:
    """One catalog row per (provider, model) of the map's chat/completion/responses entries."""
    candidates: dict[tuple[str, str], list[tuple[tuple, str, dict]]] = defaultdict(list)
    rows_by_key: dict[str, dict] = {}
    for key in sorted(price_map):
        entry = price_map[key]
        if not isinstance(entry, Mapping):
            continue
        priced_as = entry
        if "alias_of" in entry and "mode" not in entry:
            priced_as = price_map.get(entry["alias_of"])
            if not isinstance(priced_as, Mapping) or "alias_of" in priced_as:
                report.skipped_modes["alias without a priced target"] += 1
                continue
        mode = priced_as.get("mode")
        if mode not in CHAT_MODES:
            label = "no mode" if mode is None else mode if mode in _KNOWN_MODES else "other"
            report.skipped_modes[label] += 1
            continue
        has_tiers = bool(priced_as.get("tiered_pricing"))
        if not has_tiers and (priced_as.get("input_cost_per_token") is None
                              or priced_as.get("output_cost_per_token") is None):
            report.unpriced.append(key)
            continue
        litellm_provider = priced_as["litellm_provider"]
        provider = provider_name(litellm_provider)
        model = strip_provider_prefix(key, litellm_provider, provider)
        tier_model = model
        if priced_as is not entry:
            tier_model = strip_provider_prefix(entry["alias_of"], litellm_provider, provider)
        row = {
            "provider": provider,
            "model": model,
            "valid_from": BASELINE_VALID_FROM,
            "valid_to": "",
            "tier": tier_for(tier_model),
            **_prices_of(key, priced_as, report),
            "fast_multiplier": _fast_multiplier(priced_as),
            "source": source,
        }
        if not row["input_usd_per_mtok"] or not row["output_usd_per_mtok"]:
            report.unpriced.append(key)
            continue
        candidates[(provider, model)].append((_preference(row, key), key, row))
        rows_by_key[key] = row

    kept: dict[tuple[str, str], dict] = {}
    kept_key: dict[tuple[str, str], str] = {}
    for identity, options in candidates.items():
        options.sort(key=lambda option: option[0])
        _, key, row = options[0]
        kept[identity], kept_key[identity] = row, key
        for _, other_key, other in options[1:]:
            differs = [column for column in DECIMAL_COLUMNS if other[column] != row[column]]
            if differs:
                report.collisions.append(
                    f"{identity}: kept {key}, dropped {other_key} "
                    + ", ".join(f"{c} {row[c] or '-'} vs {other[c] or '-'}" for c in differs))

    # A separate "<key>-fast" Claude entry priced at one multiple of <key> gives <key>'s row
    # that fast_multiplier, unless the map already sets one. Other labs' "-fast" entries
    # (grok-3-fast, Fireworks' glm-5p1-fast) are models of their own, not Claude's fast mode.
    for identity, row in kept.items():
        key = kept_key[identity]
        fast_row = rows_by_key.get(key + "-fast")
        if row["fast_multiplier"] or fast_row is None or "claude" not in key.lower():
            continue
        if fast_row["provider"] != row["provider"]:
            continue
        multiple = _uniform_multiple(row, fast_row)
        if multiple is not None:
            row["fast_multiplier"] = format_decimal(multiple)
            report.derived_fast.append(f"{key}: {row['fast_multiplier']} (from {key}-fast)")
    return list(kept.values())


_KNOWN_MODES = frozenset({
    "embedding", "rerank", "moderation", "search", "ocr", "evaluation", "extraction",
    "decisions", "guardrail", "vector_store", "image_generation", "image_edit",
    "video_generation", "audio_transcription", "audio_speech", "realtime",
})


def read_overrides(path: Path) -> list[dict]:
    """Override rows with blanks filled: tier by TIER_RULES, valid_from the baseline."""
    with path.open(newline="") as handle:
        reader = csv.DictReader(row for row in handle if not row.startswith("#"))
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{path}: columns must be {', '.join(COLUMNS)}")
        rows = []
        for row in reader:
            row = {column: (row[column] or "").strip() for column in COLUMNS}
            row["valid_from"] = row["valid_from"] or BASELINE_VALID_FROM
            row["tier"] = row["tier"] or tier_for(row["model"])
            row["source"] = "override"
            for column in DECIMAL_COLUMNS:
                if row[column]:
                    row[column] = format_decimal(Decimal(row[column]))
            rows.append(row)
    return rows


def build_catalog(price_map: Mapping[str, object], overrides: Iterable[Mapping[str, str]],
                  source: str, report: Report | None = None) -> list[dict]:
    """The catalog rows: the map's, then the overrides on top, sorted."""
    report = report if report is not None else Report()
    rows = {(row["provider"], row["model"], row["valid_from"]): row
            for row in map_rows(price_map, source, report)}
    for override in overrides:
        identity = (override["provider"], override["model"], override["valid_from"])
        replaced = rows.get(identity)
        if replaced is None:
            report.added.append("/".join(identity))
        else:
            differs = [column for column in ("tier", *DECIMAL_COLUMNS)
                       if replaced[column] != override[column]]
            report.overridden.append(
                "/".join(identity) + ": "
                + (", ".join(f"{c} map {replaced[c] or '-'} -> {override[c] or '-'}"
                             for c in differs) or "same as the map"))
        rows[identity] = dict(override)
    return [rows[identity] for identity in sorted(rows)]


def write_catalog(rows: Iterable[Mapping[str, str]], path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue())


def download_price_map(version: str) -> dict:
    """LiteLLM's price map from the litellm wheel of `version` (downloaded, not installed)."""
    with tempfile.TemporaryDirectory(prefix="tokenroi-litellm-") as folder:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   "--dest", folder, f"litellm=={version}"]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
        (wheel,) = Path(folder).glob("litellm-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            return json.loads(archive.read(MAP_MEMBER))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.prices.catalog",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=LITELLM_VERSION,
                        help=f"litellm release to read the map from (default {LITELLM_VERSION})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="catalog CSV to write (default dbt_project/seeds/model_prices.csv)")
    parser.add_argument("--json", type=Path, default=None,
                        help="read this local price map JSON instead of downloading litellm")
    parser.add_argument("--overrides", type=Path, default=OVERRIDES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.json is not None:
        price_map = json.loads(args.json.read_text())
    else:
        price_map = download_price_map(args.version)
    report = Report()
    rows = build_catalog(price_map, read_overrides(args.overrides), f"litellm {args.version}",
                         report)
    write_catalog(rows, args.out)

    for line in report.lines():
        print(line)
    per_provider = Counter(row["provider"] for row in rows)
    print(f"wrote {len(rows)} rows to {args.out}")
    for provider, count in sorted(per_provider.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {provider}: {count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
