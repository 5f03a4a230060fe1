"""Property-based fuzzing of the adapters. The volume ones (one declared mapping each, in
DuckDB SQL, whatever the file's shape): good records mixed with records whose fields hold
anything JSON can (wrong types, huge and negative numbers, NaN, odd unicode), truncated lines, blank
lines, a BOM, CRLF; whatever the file, the adapter does not crash, every good record loads,
and every record is either loaded or quarantined with a reason. Claude Code transcripts
and the usage exports: any field of a good document replaced by anything, no crash."""

from __future__ import annotations

import csv
import io
import json
import math

import pyarrow.compute as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.sources.agent_calls import canonical, litellm, otlp
from pipelines.sources.reading.lines import numbered_lines

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

odd_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]),
                   max_size=12) | st.sampled_from(["", " ", "🦆", "\u202e", "a\x00b", "é" * 3,
                                                   "1e999", "NaN", "-0", "０１２"])
scalars = (st.none() | st.booleans() | st.integers(-(10**20), 10**20)
           | st.floats(allow_nan=True, allow_infinity=True) | odd_text)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(odd_text, inner, max_size=3), max_leaves=6)
GOOD_CALL = {"occurred_at": "2026-10-05T10:00:00Z", "provider": "openai", "model": "gpt-5",
             "person_email": "ada@example.com", "input_tokens": 10, "output_tokens": 5}
FIELDS = [*GOOD_CALL, "cache_read_tokens", "reported_cost_usd", "tags", "prompt", "task_class",
          "request_count", "session_id"]


def _dumps(value) -> str:
    return json.dumps(value, allow_nan=True)


@st.composite
def lines_of_calls(draw) -> tuple[list[str], set[str]]:
    """JSON lines: good calls (their ids returned) and broken ones."""
    lines, good = [], set()
    for number in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["good", "odd field", "truncated", "blank", "not object"]))
        record = dict(GOOD_CALL, event_id=f"e{number}")
        if kind == "good":
            lines.append(_dumps(record))
            good.add(f"e{number}")
        elif kind == "odd field":
            record[draw(st.sampled_from(FIELDS))] = draw(json_values)
            lines.append(_dumps(record))
        elif kind == "truncated":
            text = _dumps(record)
            lines.append(text[:draw(st.integers(1, len(text) - 1))])
        elif kind == "blank":
            lines.append(draw(st.sampled_from(["", "  ", "\t"])))
        else:
            lines.append(_dumps(draw(json_values)))
    return lines, good


def _write(path, lines: list[str], bom: bool, crlf: bool) -> None:
    newline = "\r\n" if crlf else "\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + newline.join(lines).encode("utf-8",
                                                                                  "replace"))


def _loaded_ids(valid) -> set[str]:
    return set() if valid is None else set(valid["event_id"].to_pylist())


def _count(table) -> int:
    return 0 if table is None else table.num_rows


@FUZZ
@given(drawn=lines_of_calls(), bom=st.booleans(), crlf=st.booleans())
def test_canonical_jsonl_never_crashes_and_accounts_for_every_line(tmp_path, drawn, bom, crlf):
    lines, good = drawn
    path = tmp_path / "calls.jsonl"
    _write(path, lines, bom, crlf)
    valid, rejected = canonical.read_canonical_jsonl("agent_calls", path)
    assert good <= _loaded_ids(valid)
    records = sum(1 for line in lines if line.strip())
    assert _count(valid) + _count(rejected) == records
    if rejected is not None:
        assert all(rejected["reason"].to_pylist())
    # the line path, on its own, agrees on what loads
    slow_valid, _, _ = canonical.check_batches("agent_calls", numbered_lines(path))
    assert _loaded_ids(slow_valid) == _loaded_ids(valid)


def _accounts_for_every_record(parts, good: set[str], records: int) -> None:
    """Every good record loads; every record is loaded, quarantined with a reason or
    skipped by a rule."""
    valid, rejected, skipped = canonical.merged(parts)
    assert good <= _loaded_ids(valid)
    assert _count(valid) + _count(rejected) + sum(skipped.values()) == records
    if rejected is not None:
        assert all(rejected["reason"].to_pylist())


LITELLM_GOOD = {"request_id": "r", "startTime": "2026-10-05 10:00:00", "model": "gpt-5",
                "custom_llm_provider": "openai", "user": "gw-ada", "prompt_tokens": "12",
                "completion_tokens": "5", "spend": "0.01", "metadata": "{}",
                "request_tags": "[]", "messages": ""}


@FUZZ
@given(rows=st.lists(st.tuples(st.booleans(), st.sampled_from(list(LITELLM_GOOD)),
                               json_values), max_size=10),
       bom=st.booleans(), crlf=st.booleans())
def test_litellm_csv_never_crashes_and_accounts_for_every_row(tmp_path, rows, bom, crlf):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(LITELLM_GOOD),
                            lineterminator="\r\n" if crlf else "\n")
    writer.writeheader()
    good = set()
    for number, (is_good, field, value) in enumerate(rows):
        row = dict(LITELLM_GOOD, request_id=f"r{number}")
        if is_good:
            good.add(f"litellm:r{number}")
        else:
            row[field] = value if isinstance(value, str) else _dumps(value)
        writer.writerow(row)
    path = tmp_path / "spend.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8",
                                                                               "replace"))
    _accounts_for_every_record(litellm.read_litellm_parts(path), good, len(rows))


def _attribute(key: str, value) -> dict:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, float) and math.isfinite(value):
        return {"key": key, "value": {"doubleValue": value}}
    return {"key": key, "value": {"stringValue": value if isinstance(value, str)
                                  else _dumps(value)}}


SPAN_KEYS = ["gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.system",
             "gen_ai.request.model", "user.id", "user.email", "gen_ai.input.messages",
             "tokenroi.task", "gen_ai.usage.cache_read.input_tokens"]


@FUZZ
@given(spans=st.lists(st.tuples(st.booleans(), st.sampled_from(SPAN_KEYS), json_values),
                      max_size=10),
       start=st.one_of(st.just("1791364500000000000"), scalars))
def test_otlp_spans_never_crash_and_account_for_every_model_request(tmp_path, spans, start):
    good, exported = set(), []
    for number, (is_good, key, value) in enumerate(spans):
        attributes = {"gen_ai.system": "openai", "gen_ai.request.model": "gpt-5",
                      "gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 5,
                      "user.id": "gw-ada"}
        if not is_good:
            attributes[key] = value
        exported.append({"traceId": "t", "spanId": str(number),
                         "startTimeUnixNano": "1791364500000000000" if is_good else start,
                         "attributes": [_attribute(k, v) for k, v in attributes.items()]})
        if is_good:
            good.add(f"otlp:span:t:{number}")
    path = tmp_path / "otel.jsonl"
    path.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": exported}]}]},
                               allow_nan=True) + "\n")
    # an export of no span at all is one record, skipped as empty_export
    _accounts_for_every_record(otlp.read_otlp_parts(path), good, len(spans) or 1)


# ---- the low-volume adapters: whatever a field holds, no crash, every refusal has a reason ----
def _claude_entry(number: int) -> dict:
    return {"type": "assistant", "sessionId": "s", "cwd": "/home/ada/src/acme-api",
            "timestamp": "2026-10-05T09:15:02.120Z", "requestId": f"req_{number}",
            "message": {"id": f"msg_{number}", "role": "assistant", "model": "claude-opus-4-6",
                        "content": [{"type": "text", "text": "ok"}],
                        "usage": {"input_tokens": 12, "cache_read_input_tokens": 4500,
                                  "cache_creation_input_tokens": 300, "output_tokens": 40}}}


CLAUDE_PATHS = [("message", "usage", "input_tokens"), ("message", "usage", "output_tokens"),
                ("message", "usage", "cache_creation"), ("message", "usage"), ("message",),
                ("message", "model"), ("message", "id"), ("requestId",), ("timestamp",),
                ("cwd",), ("type",), ("message", "content"), ("gitBranch",)]
OPENAI_PAGE = {"data": [{"start_time": 1791331200, "end_time": 1791417600, "results": [
    {"input_tokens": 150, "output_tokens": 9, "input_cached_tokens": 120,
     "num_model_requests": 4, "api_key_id": "key_ada", "model": "gpt-5"}]}]}
OPENAI_PATHS = [("data",), ("data", 0, "start_time"), ("data", 0, "results"),
                ("data", 0, "results", 0, "input_tokens"),
                ("data", 0, "results", 0, "input_cached_tokens"),
                ("data", 0, "results", 0, "num_model_requests"),
                ("data", 0, "results", 0, "model"), ("data", 0, "results", 0, "api_key_id")]
ANTHROPIC_PAGE = {"data": [{"starting_at": "2026-10-07T00:00:00Z", "results": [
    {"uncached_input_tokens": 1500, "cache_creation": {"ephemeral_1h_input_tokens": 10},
     "cache_read_input_tokens": 200, "output_tokens": 500, "api_key_id": "apikey_ada",
     "model": "claude-opus-4-6"}]}]}
ANTHROPIC_PATHS = [("data",), ("data", 0, "starting_at"), ("data", 0, "results"),
                   ("data", 0, "results", 0, "uncached_input_tokens"),
                   ("data", 0, "results", 0, "cache_creation"),
                   ("data", 0, "results", 0, "model"), ("data", 0, "results", 0, "api_key_id")]


def _set_path(document, path: tuple, value):
    """Set a value at a path of keys and list indexes (a missing step is left as it is)."""
    document = json.loads(json.dumps(document))
    node = document
    for step in path[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return document
    try:
        node[path[-1]] = value
    except (IndexError, TypeError):
        pass
    return document


def _no_crash_and_reasons(result) -> None:
    valid, rejected = result
    if rejected is not None:
        assert all(rejected["reason"].to_pylist())


@FUZZ
@given(changes=st.lists(st.tuples(st.sampled_from(CLAUDE_PATHS), json_values), max_size=6),
       truncate=st.booleans())
def test_claude_code_transcripts_never_crash(tmp_path, changes, truncate):
    from pipelines.sources.agent_calls.claude_code import read_claude_code

    lines = [_dumps(_set_path(_claude_entry(n), path, value))
             for n, (path, value) in enumerate(changes)] + [_dumps(_claude_entry(99))]
    if truncate and len(lines) > 1:  # a changed entry cut short; the last one stays whole
        lines[0] = lines[0][:len(lines[0]) // 2]
    path = tmp_path / "session.jsonl"
    path.write_text("\n".join(lines) + "\n")
    valid, rejected = read_claude_code(path, "ada@example.com")
    _no_crash_and_reasons((valid, rejected))
    assert valid is not None and valid.num_rows >= 1  # the untouched entry loads


@FUZZ
@given(openai=st.lists(st.tuples(st.sampled_from(OPENAI_PATHS), json_values), max_size=3),
       anthropic=st.lists(st.tuples(st.sampled_from(ANTHROPIC_PATHS), json_values),
                          max_size=3))
def test_usage_exports_never_crash(tmp_path, openai, anthropic):
    from pipelines.sources.agent_calls.usage_exports import read_anthropic_usage, read_openai_usage

    for reader, page, changes in ((read_openai_usage, OPENAI_PAGE, openai),
                                  (read_anthropic_usage, ANTHROPIC_PAGE, anthropic)):
        for path_in_page, value in changes:
            page = _set_path(page, path_in_page, value)
        path = tmp_path / "page.json"
        path.write_text(_dumps(page))
        _no_crash_and_reasons(reader(path))


@FUZZ
@given(rows=st.lists(st.tuples(st.sampled_from(["good", "odd field", "truncated", "not object"]),
                               st.sampled_from(list(LITELLM_GOOD)), json_values, scalars),
                     max_size=10),
       shape=st.sampled_from(["array", "data", "lines"]), bom=st.booleans(), crlf=st.booleans())
def test_litellm_json_never_crashes_and_accounts_for_every_row(tmp_path, rows, shape, bom,
                                                               crlf):
    """LiteLLM's JSON export: an array of SpendLogs rows, a {"data": [...]} page, or JSON
    lines; its values may be any JSON, not only text as in the CSV."""
    good, records = set(), []
    for number, (kind, field, value, scalar) in enumerate(rows):
        row = dict(LITELLM_GOOD, request_id=f"r{number}")
        if kind == "good":
            good.add(f"litellm:r{number}")
        elif kind == "odd field":
            row[field] = value
        records.append(scalar if kind == "not object" else row)
    if shape == "lines":
        lines = [_dumps(record) for record in records]
        for number, (kind, *_) in enumerate(rows):
            if kind == "truncated":
                lines[number] = lines[number][:len(lines[number]) // 2]
    else:
        lines = [_dumps(records if shape == "array" else {"data": records})]
    path = tmp_path / ("spend.jsonl" if shape == "lines" else "spend.json")
    _write(path, lines, bom, crlf)
    valid, rejected = litellm.read_litellm(path)
    assert good <= _loaded_ids(valid)
    assert _count(valid) + _count(rejected) == len(rows)
    if rejected is not None:
        assert all(rejected["reason"].to_pylist())


# ---- CRM exports ----------------------------------------------------------------------------
HUBSPOT_DEAL = {"id": "9001", "createdAt": "2026-09-01T10:00:00Z",
                "properties": {"dealname": "Initech renewal", "amount": "50000",
                               "dealstage": "closedwon", "closedate": "2026-10-25T00:00:00Z",
                               "features": "GRO-101;GRO-102", "hs_is_closed_won": "true",
                               "company": "Initech"},
                "propertiesWithHistory": {
                    "dealstage": [{"value": "closedwon", "timestamp": "2026-10-25T12:00:00Z"},
                                  {"value": "appointmentscheduled",
                                   "timestamp": "2026-09-01T10:00:00Z"}],
                    "amount": [{"value": "50000", "timestamp": "2026-10-20T09:00:00Z"}]}}
HUBSPOT_PATHS = [("id",), ("createdAt",), ("properties",), ("properties", "amount"),
                 ("properties", "dealstage"), ("properties", "closedate"),
                 ("properties", "features"), ("properties", "dealname"),
                 ("properties", "hs_is_closed_won"), ("propertiesWithHistory",),
                 ("propertiesWithHistory", "dealstage"),
                 ("propertiesWithHistory", "dealstage", 0),
                 ("propertiesWithHistory", "dealstage", 0, "timestamp"),
                 ("propertiesWithHistory", "dealstage", 1, "value"),
                 ("propertiesWithHistory", "amount", 0, "value")]


@FUZZ
@given(deals=st.lists(st.lists(st.tuples(st.sampled_from(HUBSPOT_PATHS), json_values),
                               min_size=1, max_size=3), max_size=4),
       lines=st.booleans(), bom=st.booleans(), crlf=st.booleans())
def test_hubspot_deals_never_crash(tmp_path, deals, lines, bom, crlf):
    """Any field of a deal replaced by anything: no crash, every refusal has a reason, and
    the untouched deal still replays to its three events."""
    from pipelines.sources.crm.deal_exports import read_hubspot

    changed = []
    for number, changes in enumerate(deals):
        deal = dict(HUBSPOT_DEAL, id=f"d{number}")
        for path_in_deal, value in changes:
            deal = _set_path(deal, path_in_deal, value)
        changed.append(deal)
    untouched = dict(HUBSPOT_DEAL, id="untouched")
    path = tmp_path / "deals.json"
    if lines:  # one page per line, the first of them torn
        pages = [_dumps({"results": [deal]}) for deal in changed]
        pages = [page[:len(page) // 2] for page in pages[:1]] + pages[1:]
        _write(path, [*pages, _dumps({"results": [untouched]})], bom, crlf)
    else:
        _write(path, [_dumps({"results": [*changed, untouched]})], bom, crlf)
    valid, rejected = read_hubspot(path)
    _no_crash_and_reasons((valid, rejected))
    assert valid is not None
    assert valid.filter(pc.equal(valid["deal_id"], "untouched"))["event_type"].to_pylist() == [
        "created", "amount_changed", "closed_won"]


OPPORTUNITY = {"Id": "006A", "Name": "Globex expansion", "AccountId": "001G",
               "Amount": "120000", "StageName": "Signed", "CloseDate": "2026-10-20",
               "IsWon": "true", "IsClosed": "true",
               "CreatedDate": "2026-09-01T10:00:00.000+0000",
               "LastModifiedDate": "2026-10-20T15:00:00.000+0000",
               "Features__c": "PAY-1;PAY-2"}
HISTORY = {"Id": "008-1", "OpportunityId": "006A", "CreatedDate": "2026-09-01T10:00:00.000+0000",
           "StageName": "Prospecting", "Amount": "100000", "CloseDate": "2026-10-31",
           "IsDeleted": "false"}
csv_text = odd_text | st.sampled_from(['a,"b', 'x\ny', "\r", '""', ";;", "1e400", "-5",
                                       "2026-13-45", "true\x00"])


@FUZZ
@given(opportunity=st.dictionaries(st.sampled_from(list(OPPORTUNITY)), csv_text, max_size=4),
       history=st.dictionaries(st.sampled_from(list(HISTORY)), csv_text, max_size=4),
       duplicated=st.sampled_from([None, "Id", "Amount", "StageName"]),
       bom=st.booleans(), crlf=st.booleans())
def test_salesforce_exports_never_crash(tmp_path, opportunity, history, duplicated, bom, crlf):
    """Any cell of an opportunity and of its history replaced by any text (quotes, commas,
    newlines, NUL), a duplicated header: no crash, every refusal has a reason."""
    from pipelines.sources.crm.deal_exports import read_salesforce

    def write(name: str, rows: list[dict]) -> None:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n" if crlf else "\n")
        header = list(rows[0]) + ([duplicated] if duplicated else [])
        writer.writerow(header)
        for row in rows:
            writer.writerow([row[key] for key in rows[0]] + ([row[duplicated]] if duplicated
                                                             else []))
        (tmp_path / name).write_bytes(("\ufeff" if bom else "").encode()
                                      + out.getvalue().encode("utf-8", "replace"))

    write("Opportunity.csv", [{**OPPORTUNITY, "Id": "changed", **opportunity},
                              dict(OPPORTUNITY, Id="untouched")])
    write("OpportunityHistory.csv", [{**HISTORY, "OpportunityId": "changed", **history},
                                     dict(HISTORY, Id="008-2", OpportunityId="untouched")])
    valid, rejected = read_salesforce(tmp_path)
    _no_crash_and_reasons((valid, rejected))
    if duplicated is None:  # (a duplicated Id or stage column may say anything)
        assert valid is not None and "untouched" in valid["deal_id"].to_pylist()


OTLP_EXPORT = {"resourceSpans": [{"resource": {"attributes": [_attribute("user.id", "gw-ada")]},
                                  "scopeSpans": [{"scope": {"name": "s"}, "spans": [
                                      {"traceId": "t", "spanId": "1",
                                       "startTimeUnixNano": "1791364500000000000",
                                       "attributes": [_attribute(k, v) for k, v in [
                                           ("gen_ai.system", "openai"),
                                           ("gen_ai.request.model", "gpt-5"),
                                           ("gen_ai.usage.input_tokens", 10)]]}]}]}],
               "resourceLogs": [{"resource": {"attributes": []}, "scopeLogs": [{"logRecords": [
                   {"timeUnixNano": "1791364700000000000", "attributes": [
                       _attribute(k, v) for k, v in [
                           ("event.name", "api_request"), ("model", "claude-opus-4-6"),
                           ("input_tokens", 20), ("prompt.id", "p"), ("user.email", "a@b.c")]]},
                   {"timeUnixNano": "1791364700000000000", "attributes": [
                       _attribute(k, v) for k, v in [("event.name", "user_prompt"),
                                                     ("prompt.id", "p"), ("prompt", "hi")]]}]}]}]}
OTLP_PATHS = [("resourceSpans",), ("resourceSpans", 0), ("resourceSpans", 0, "resource"),
              ("resourceSpans", 0, "resource", "attributes"),
              ("resourceSpans", 0, "resource", "attributes", 0),
              ("resourceSpans", 0, "scopeSpans"), ("resourceSpans", 0, "scopeSpans", 0),
              ("resourceSpans", 0, "scopeSpans", 0, "spans"),
              ("resourceSpans", 0, "scopeSpans", 0, "spans", 0),
              ("resourceSpans", 0, "scopeSpans", 0, "spans", 0, "attributes"),
              ("resourceSpans", 0, "scopeSpans", 0, "spans", 0, "attributes", 0),
              ("resourceSpans", 0, "scopeSpans", 0, "spans", 0, "attributes", 0, "value"),
              ("resourceSpans", 0, "scopeSpans", 0, "spans", 0, "traceId"),
              ("resourceLogs",), ("resourceLogs", 0, "scopeLogs", 0, "logRecords"),
              ("resourceLogs", 0, "scopeLogs", 0, "logRecords", 0),
              ("resourceLogs", 0, "scopeLogs", 0, "logRecords", 1, "attributes"),
              ("resourceLogs", 0, "scopeLogs", 0, "logRecords", 0, "body"),
              ("resourceLogs", 0, "scopeLogs", 0, "logRecords", 0, "timeUnixNano")]


@FUZZ
@given(changes=st.lists(st.tuples(st.sampled_from(OTLP_PATHS), json_values), max_size=3),
       spans_only=st.booleans())
def test_otlp_exports_of_any_shape_never_crash(tmp_path, changes, spans_only):
    """Any node of an export (a resource, a scope, a span, an attribute list, a log record)
    replaced by anything: no crash, every refusal has a reason, and the untouched export on
    the next line still loads."""
    export = {k: v for k, v in OTLP_EXPORT.items() if k == "resourceSpans" or not spans_only}
    changed = export
    for path_in_export, value in changes:
        changed = _set_path(changed, path_in_export, value)
    untouched = _set_path(export, ("resourceSpans", 0, "scopeSpans", 0, "spans", 0, "spanId"),
                          "untouched")
    path = tmp_path / "otel.jsonl"
    path.write_text(_dumps(changed) + "\n" + _dumps(untouched) + "\n")
    result = otlp.read_otlp(path)
    _no_crash_and_reasons(result)
    assert "otlp:span:t:untouched" in _loaded_ids(result[0])
