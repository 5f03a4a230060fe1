"""The canonical streams every reader emits (docs/formats.md "The canonical agent call"
and the commit and deal-event contracts).

A field's ``kind`` decides how raw JSON is cast and which contract violations send the
record to the quarantine.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

TASK_CLASSES = ("planning", "implementation", "trivial", "non_work", "unknown")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text | count | integer | money | timestamp | date | boolean | text_list
    required: bool = False

    @property
    def arrow_type(self) -> pa.DataType:
        return {
            "text": pa.string(),
            "count": pa.int64(),
            "integer": pa.int64(),
            "money": pa.float64(),
            "timestamp": pa.timestamp("us"),  # naive, always UTC
            "date": pa.date32(),
            "boolean": pa.bool_(),
            "text_list": pa.list_(pa.string()),
        }[self.kind]


AGENT_CALL_FIELDS = [
    Field("event_id", "text"),
    Field("occurred_at", "timestamp", required=True),
    Field("source", "text"),
    Field("user_key", "text"),
    Field("person_email", "text"),
    Field("team", "text"),
    Field("tool", "text"),
    Field("session_id", "text"),
    Field("request_id", "text"),
    # Inferred from the model through the price catalog where a source leaves it out.
    Field("provider", "text"),
    # Required except on a bill: a usage export grouped by no model is the provider's bill.
    Field("model", "text"),
    Field("model_tier", "text"),
    Field("input_tokens", "count"),
    Field("cache_read_tokens", "count"),
    Field("cache_write_tokens", "count"),
    Field("cache_write_1h_tokens", "count"),
    Field("output_tokens", "count"),
    Field("request_count", "count"),
    Field("reported_cost_usd", "money"),
    Field("repo", "text"),
    Field("branch", "text"),
    Field("feature_key", "text"),
    Field("task_class", "text"),
    # the classifier's probability for task_class; NULL when the source gave the class
    Field("task_class_confidence", "money"),
    Field("prompt_sha256", "text"),
    Field("prompt_chars", "count"),
    Field("prompt_text", "text"),  # only with TOKENROI_KEEP_PROMPTS=1
    Field("speed", "text"),  # Claude Code's fast mode ("fast"), priced by its multiplier
    # A cost-endpoint line (openai_costs, anthropic_costs): the bill in money, not tokens.
    Field("bill_line_item", "text"),  # OpenAI line_item, Anthropic description
    Field("bill_cost_type", "text"),  # tokens, web_search, code_execution, ...; NULL ungrouped
    Field("bill_amount_usd", "text"),  # exact decimal in dollars, kept as text: never a float
]
# Fields a canonical record's default event id does not hash (added after records were
# logged under ids that did not include them).
UNHASHED_FIELDS = {"event_id", "speed", "bill_line_item", "bill_cost_type", "bill_amount_usd",
                   "amount", "currency", "task_class_confidence"}
# Sources whose rows are the provider's bill, not per-call logs (DESIGN "The bill"): usage
# buckets (tokens) and cost-endpoint lines (money).
BILL_SOURCES = ("openai_usage", "anthropic_usage", "openai_costs", "anthropic_costs")

COMMIT_FIELDS = [
    Field("event_id", "text"),
    Field("repo", "text", required=True),
    Field("sha", "text", required=True),
    Field("parents", "text_list"),
    Field("author_name", "text"),
    Field("author_email", "text"),
    Field("authored_at", "timestamp", required=True),
    Field("committer_name", "text"),
    Field("committer_email", "text"),
    Field("committed_at", "timestamp"),
    Field("message", "text"),
    Field("additions", "count"),
    Field("deletions", "count"),
    Field("files_changed", "count"),
    Field("on_default_branch", "boolean"),
]

DEAL_EVENT_FIELDS = [
    Field("event_id", "text"),
    Field("deal_id", "text", required=True),
    Field("occurred_at", "timestamp", required=True),
    Field("sequence", "integer"),
    Field("event_type", "text", required=True),
    Field("account", "text"),
    Field("deal_name", "text"),
    Field("stage", "text"),
    Field("amount_usd", "money"),
    # The amount in the deal's own currency, as the source wrote it (text keeps every digit;
    # typed in dbt staging), and that currency's ISO code; no currency: the company's.
    # amount_usd is for sources already in US dollars (the canonical contract).
    Field("amount", "text"),
    Field("currency", "text"),
    Field("close_date", "date"),
    Field("features", "text_list"),
    Field("owner_email", "text"),
]

LINEAGE_FIELDS = [
    ("source_file", pa.string()),
    ("source_file_sha256", pa.string()),
    ("source_line", pa.int64()),
    ("ingested_at", pa.timestamp("us")),
    ("batch_id", pa.string()),
]

QUARANTINE_SCHEMA = pa.schema([
    ("stream", pa.string()),
    ("source_file", pa.string()),
    ("source_line", pa.int64()),
    ("raw", pa.string()),
    ("reason", pa.string()),
    ("batch_id", pa.string()),
    ("ingested_at", pa.timestamp("us")),
])

# What became of every record of a landing unit (lake/_ingested): lines read = the sum.
ACCOUNTING_SCHEMA = pa.schema([
    ("stream", pa.string()),
    ("source_file", pa.string()),
    ("source_file_sha256", pa.string()),
    ("batch_id", pa.string()),
    ("ingested_at", pa.timestamp("us")),
    ("outcome", pa.string()),  # loaded | quarantined | skipped
    ("rule", pa.string()),  # the skip rule
    ("records", pa.int64()),
])

STREAM_FIELDS = {
    "agent_calls": AGENT_CALL_FIELDS,
    "commits": COMMIT_FIELDS,
    "deal_events": DEAL_EVENT_FIELDS,
}
# The column that places a row in the log's date=YYYY-MM-DD partition.
PARTITION_TIME = {"agent_calls": "occurred_at", "commits": "authored_at",
                  "deal_events": "occurred_at"}


def stream_schema(stream: str) -> pa.Schema:
    return pa.schema([(f.name, f.arrow_type) for f in STREAM_FIELDS[stream]] + LINEAGE_FIELDS)
