"""Reliability: one run at a time per data folder (a real OS lock between real processes),
and what an interrupted run leaves behind."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from test_crash_recovery import slow_calls_file

from conftest import Workspace

# Another process taking the data folder's run lock, as `tokenroi run` does: it holds the
# lock for argv[2] seconds; with --wait it queues behind a holder instead of refusing.
LOCKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from pipelines.runlock import lock_path, run_lock
    path = lock_path(Path(sys.argv[1]) / "build" / "tokenroi_build.duckdb")
    with run_lock(path, wait="--wait" in sys.argv, waiting=lambda m: print(m, flush=True)):
        print("held", time.time(), flush=True)
        time.sleep(float(sys.argv[2]))
    print("released", time.time(), flush=True)
""")


def _locker(workspace: Workspace, seconds: float, *flags: str) -> list[str]:
    return [sys.executable, "-c", LOCKER, str(workspace.data), str(seconds), *flags]


def _hold_lock(workspace: Workspace, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(_locker(workspace, seconds), stdout=subprocess.PIPE, text=True,
                              env=workspace.env())
    assert holder.stdout.readline().split()[0] == "held"
    return holder


@pytest.mark.e2e
def test_a_second_run_refuses_at_once_and_names_the_run_holding_the_folder(tmp_path):
    workspace = Workspace(tmp_path)
    workspace.landing.mkdir()
    holder = _hold_lock(workspace, 60)
    try:
        started = time.monotonic()
        done = workspace.tokenroi("run", check=False)
        assert time.monotonic() - started < 30  # refused, not queued
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode != 0
    [message] = [line for line in done.stderr.splitlines() if line.strip()]
    assert "another tokenroi run is using this data folder" in message
    assert f"pid {holder.pid}" in message and "--wait" in message
    assert not workspace.lake.exists() and not workspace.warehouse.exists()  # nothing written


def test_a_killed_holder_leaves_no_stale_lock_and_a_waiting_run_goes_after_it(tmp_path):
    workspace = Workspace(tmp_path)
    holder = _hold_lock(workspace, 2)
    waiter = subprocess.run(_locker(workspace, 0, "--wait"), capture_output=True, text=True,
                            env=workspace.env(), timeout=60)
    released = float(holder.stdout.readline().split()[1])
    holder.wait()
    lines = waiter.stdout.splitlines()
    assert lines[0].startswith("waiting for the run that holds") and f"pid {holder.pid}" in lines[0]
    assert lines[1].split()[0] == "held"
    assert float(lines[1].split()[1]) >= released  # it went only after the holder let go

    killed = _hold_lock(workspace, 60)
    killed.kill()  # SIGKILL: no cleanup code runs
    killed.wait()
    from pipelines.runlock import lock_path, run_lock
    with run_lock(lock_path(workspace.data / "build" / "tokenroi_build.duckdb")):
        pass  # the kernel dropped the dead process's lock


@pytest.mark.e2e
def test_a_job_started_from_dagster_while_a_cli_run_holds_the_folder_waits_for_it(tmp_path):
    """Runs launched by the schedule or the UI take the same lock (a resource held by every
    writing asset for the whole run): they wait for a CLI run instead of writing beside it
    (and queue behind each other in Dagster's run coordinator)."""
    workspace = Workspace(tmp_path)
    calls = workspace.landing / "agent_calls" / "canonical"
    calls.mkdir(parents=True)
    (calls / "calls.jsonl").write_text(json.dumps({
        "event_id": "e1", "occurred_at": "2026-10-05T10:00:00Z", "provider": "openai",
        "model": "gpt-5-mini", "person_email": "ada@acme.example", "input_tokens": 10}) + "\n")
    holder = _hold_lock(workspace, 300)
    run = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent("""
            import dagster as dg
            from pipelines.definitions import defs
            from pipelines.instance import instance
            from pipelines.settings import resolve_settings
            settings = resolve_settings()
            result = defs.resolve_job_def("tokenroi_daily").execute_in_process(
                instance=instance(settings), raise_on_error=False,
                run_config={"resources": {"settings": {"config": settings.as_config()}}},
                asset_selection=[dg.AssetKey(["raw", "agent_calls"])])
            print("success" if result.success else "failed", flush=True)
        """)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=workspace.env())
    seen = []
    try:
        for line in run.stdout:  # the run says it waits, and waits: the holder goes only then
            seen.append(line)
            if "waiting for the run that holds" in line:
                break
        else:
            pytest.fail("the run never waited:\n" + "".join(seen))
        assert f"pid {holder.pid}" in seen[-1]
        time.sleep(1)
        assert not workspace.lake.exists()  # nothing written while the CLI run holds it
    finally:
        released = time.time()
        holder.kill()  # the CLI run ends: its lock goes with it
        holder.wait()
    rest = run.stdout.read()
    run.wait(timeout=300)
    assert rest.strip().splitlines()[-1] == "success", "".join(seen) + rest
    written = [path.stat().st_mtime for path in workspace.lake.rglob("*") if path.is_file()]
    assert written and min(written) >= released - 0.01


# ---- privacy ----------------------------------------------------------------------------------
CANARY = "CANARY-7f3a9c-do-not-store"
API_KEY = f"sk-live-{CANARY}"  # a LiteLLM api key is stored hashed, never as given


def _canary_files(landing: Path, person: str) -> None:
    """A prompt carrying the canary in every format that carries prompts, and an API key
    carrying it where LiteLLM has one, in good records and in records the contract refuses."""
    good = {"occurred_at": "2026-10-03T10:00:00Z", "provider": "openai", "model": "gpt-5-mini",
            "person_email": person, "input_tokens": 10, "output_tokens": 5,
            "prompt": f"please fix {CANARY}"}
    (landing / "agent_calls" / "canonical" / "zz-canary.jsonl").write_text("\n".join([
        json.dumps(dict(good, event_id="canary-good")),
        json.dumps(dict(good, event_id="canary-bad", output_tokens=-1)),
        '{"event_id": "canary-broken", "prompt": "' + CANARY + '", "model": ',
    ]) + "\n")
    messages = json.dumps([{"role": "user", "content": f"summarise {CANARY}"}])
    litellm = landing / "agent_calls" / "litellm"
    litellm.mkdir(parents=True, exist_ok=True)
    with (litellm / "zz-canary.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["request_id", "startTime", "model", "custom_llm_provider", "user",
                         "prompt_tokens", "completion_tokens", "messages", "api_key"])
        writer.writerow(["canary-1", "2026-10-03 10:00:00", "gpt-5-mini", "openai", person,
                         "10", "5", messages, API_KEY])
        writer.writerow(["canary-2", "2026-10-03 10:00:00", "gpt-5-mini", "openai", person,
                         "x", "5", messages, API_KEY])
    (litellm / "zz-canary.jsonl").write_text(  # a torn line: parsed by no one
        '{"request_id": "canary-3", "api_key": "' + API_KEY + '", "messages": [{"content": "'
        + CANARY + '"}], "model": \n')
    span = {"traceId": "canary", "spanId": "1", "startTimeUnixNano": "1791021600000000000",
            "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in [
                ("gen_ai.system", "openai"), ("gen_ai.request.model", "gpt-5-mini"),
                ("gen_ai.usage.input_tokens", "10"), ("user.email", person),
                ("gen_ai.input.messages", messages)]]}
    bad_span = dict(span, spanId="2", attributes=[*span["attributes"], {
        "key": "gen_ai.usage.output_tokens", "value": {"stringValue": "-4"}}])
    otlp = landing / "agent_calls" / "otlp"
    otlp.mkdir(parents=True, exist_ok=True)
    (otlp / "zz-canary.jsonl").write_text(json.dumps(
        {"resourceSpans": [{"scopeSpans": [{"spans": [span, bad_span]}]}]}) + "\n")


def _where_the_canary_is(data: Path) -> list[str]:
    """Every place under ``data`` holding the canary: table rows, Parquet rows, file bytes."""
    found = []
    with duckdb.connect() as con:
        for path in sorted(p for p in data.rglob("*") if p.is_file()):
            if path.suffix == ".parquet":
                hits = con.execute("select count(*) from read_parquet(?) as row "
                                   "where row::varchar like ?", [str(path), f"%{CANARY}%"]
                                   ).fetchall()[0][0]
            elif path.suffix == ".duckdb":
                con.execute(f"attach '{path}' as db (read_only)")
                tables = con.execute("select schema_name, table_name from duckdb_tables() "
                                     "where database_name = 'db'").fetchall()
                hits = sum(con.execute(f'select count(*) from db."{s}"."{t}" as row '
                                       "where row::varchar like ?", [f"%{CANARY}%"]
                                       ).fetchall()[0][0] for s, t in tables)
                con.execute("detach db")
            else:
                hits = CANARY.encode() in path.read_bytes()
            if hits:
                found.append(str(path.relative_to(data)))
    return found


@pytest.mark.e2e
def test_a_canary_prompt_is_stored_nowhere_by_default(generated_org, tmp_path):
    source, _ = generated_org
    workspace = Workspace(tmp_path)
    # the org's people and nothing else: the canary files are what is read
    shutil.copytree(source.landing / "reference", workspace.landing / "reference")
    (workspace.landing / "agent_calls" / "canonical").mkdir(parents=True)
    person = (workspace.landing / "reference" / "people.csv").read_text().splitlines()[1]
    _canary_files(workspace.landing, person.split(",")[0])
    done = workspace.tokenroi("run")
    assert CANARY not in done.stdout + done.stderr
    leaks = [place for place in _where_the_canary_is(workspace.data)
             if not place.startswith("landing/")]
    assert leaks == []
    # the records were read: the good ones loaded, the bad ones are in the quarantine
    assert workspace.query("select count(*) from marts.fct_agent_calls "
                           "where event_id in ('canary-good', 'litellm:canary-1', "
                           "'otlp:span:canary:1')") == [(3,)]
    assert workspace.query("select count(*) from marts.fct_quarantined_records "
                           "where source_file like '%zz-canary%'") == [(5,)]


def test_the_quarantine_keeps_a_refused_records_shape_and_numbers_but_not_its_prompt():
    from pipelines.eventlog.privacy import redact

    line = '{"event_id": "e", "output_tokens": -1, "prompt": "fix ' + CANARY + '"}'
    assert json.loads(redact(line)) == {
        "event_id": "e", "output_tokens": -1,
        "prompt": "[withheld: 30 characters; TOKENROI_KEEP_PROMPTS=1 keeps prompts]"}
    untouched = '{"event_id":  "e", "output_tokens": -1}'
    assert redact(untouched) == untouched  # nothing to withhold: as it came
    broken = '{"event_id": "e", "prompt": "' + CANARY + '", "model": '
    assert CANARY not in redact(broken)
    assert redact(broken).startswith('{"event_id": "e", "prompt": "[withheld: ')
    csv_row = json.dumps({"request_id": "r", "prompt_tokens": "x",
                          "messages": json.dumps([{"role": "user", "content": CANARY}])})
    assert CANARY not in redact(csv_row) and '"prompt_tokens": "x"' in \
        redact(csv_row)


@pytest.mark.parametrize("keeping_prompts", [False, True])
def test_the_quarantine_stores_api_keys_hashed_whatever_the_prompt_setting(keeping_prompts):
    from pipelines.eventlog.privacy import redact

    hashed = hashlib.sha256(API_KEY.encode()).hexdigest()
    row = json.dumps({"request_id": "r", "api_key": API_KEY, "spend": "x",
                      "metadata": json.dumps({"user_api_key": API_KEY, "team": "t"})})
    redacted = json.loads(redact(row, keeping_prompts))
    assert redacted["api_key"] == hashed and redacted["spend"] == "x"
    assert json.loads(redacted["metadata"]) == {"user_api_key": hashed, "team": "t"}
    torn = '{"request_id": "r", "api_key": "' + API_KEY + '", "spend": '
    assert redact(torn, keeping_prompts) == '{"request_id": "r", "api_key": "' + hashed + \
        '", "spend": '
    litellm_token = "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b"
    already = json.dumps({"api_key": litellm_token, "spend": "x"})
    assert redact(already, keeping_prompts) == already  # LiteLLM's own hash, as it came


# ---- what cannot be read fails with a message naming it ---------------------------------------
def _broken_landing(landing: Path, case: str) -> str:
    """Make the landing folder broken in one way; return the path the message must name."""
    if case == "unknown format folder":
        (landing / "agent_calls" / "langfuse").mkdir(parents=True)
        return str(landing / "agent_calls" / "langfuse")
    if case == "missing repository path":
        (landing / "git").mkdir(parents=True)
        (landing / "git" / "repos.yml").write_text(
            "repos:\n  - path: /nowhere/acme-api.git\n    name: acme-api\n")
        return "/nowhere/acme-api.git"
    folder = landing / "agent_calls" / "canonical"
    folder.mkdir(parents=True)
    (folder / "gone.jsonl").symlink_to("/nowhere/exported.jsonl")  # unreadable even as root
    return str(folder / "gone.jsonl")


@pytest.mark.e2e
@pytest.mark.parametrize("case", ["unknown format folder", "missing repository path",
                                  "unreadable file"])
def test_what_cannot_be_read_fails_in_one_line_naming_it(tmp_path, case):
    workspace = Workspace(tmp_path)
    named = _broken_landing(workspace.landing, case)
    done = workspace.tokenroi("run", check=False)
    assert done.returncode != 0
    [message] = [line for line in done.stderr.splitlines()
                 if line.strip() and not line.startswith("[")]  # progress lines aside
    assert message.startswith("tokenroi: ") and named in message
    assert "Traceback" not in done.stderr and "pipelines." not in message


# ---- a batch is visible only once whole ------------------------------------------------------
@pytest.mark.parametrize("stream", ["agent_calls", "reference"])
def test_a_batch_killed_before_its_manifest_entry_is_never_read(tmp_path, monkeypatch, stream):
    """A run killed after writing a batch's Parquet (all of its parts) but before recording
    it leaves files no manifest entry vouches for. If the landing file is gone or changed
    by the next run, nothing rewrites them: the next ingest removes them, so readers see
    recorded batches only."""
    from pipelines.eventlog import ingest
    from pipelines.eventlog.store import EventLog
    from pipelines.sources.agent_calls import canonical
    from pipelines.sources.reference import reference_files

    monkeypatch.setattr(canonical, "WHOLE_FILE_MAX_BYTES", 16 << 10)
    landing, log = tmp_path / "landing", EventLog(tmp_path / "lake")
    log.ensure_layout(reference_files.REFERENCE_SCHEMAS)
    people = landing / "reference" / "people.csv"
    killed, kept = landing / "agent_calls" / "litellm" / "a.jsonl", landing / "agent_calls" / \
        "litellm" / "b.jsonl"

    def read(how):  # the stream's rows in the lake, as a reader of the event log sees them
        folder = "reference/people" if stream == "reference" else "agent_calls"
        with duckdb.connect() as con:
            return con.execute(f"select {how} from read_parquet(?, union_by_name = true)",
                               [str(tmp_path / "lake" / folder / "**" / "*.parquet")]
                               ).fetchall()[0][0]

    def write(version: str) -> None:
        if stream == "reference":
            people.parent.mkdir(parents=True, exist_ok=True)
            people.write_text("email,name,team,annual_cost_usd,aliases\n" + "".join(
                f"p{n}@x.example,{version}{n},core,1,\n" for n in range(3)))
        else:
            _big_litellm(killed, 400) if version == "killed" else _big_litellm(kept, 500)

    def run() -> None:
        if stream == "reference":
            reference_files.ingest_reference(landing, log)
        else:
            ingest.ingest_stream(landing, log, "agent_calls")

    def killed_before_recording(self, entry):
        raise KeyboardInterrupt("killed")

    write("killed")
    with monkeypatch.context() as patched:
        patched.setattr(EventLog, "record", killed_before_recording)
        with pytest.raises(KeyboardInterrupt):
            run()
    assert read("count(*)") > 0  # the dead run's batch is on disk, in parts
    if stream == "reference":
        people.unlink()  # the file is taken away, or corrected, before the next run
    else:
        killed.unlink()
    write("kept")
    run()
    if stream == "reference":
        assert read("list(distinct name order by name)") == ["kept0", "kept1", "kept2"]
    else:
        assert read("count(*)") == read("count(distinct event_id)") == 500
        assert read("min(source_file)") == "agent_calls/litellm/b.jsonl"
        quarantine = tmp_path / "lake" / "_quarantine" / "agent_calls"
        assert {p.stem.split("-")[0] for p in quarantine.glob("*-*.parquet")} == {
            entry["batch_id"] for entry in log.entries("agent_calls")}


# ---- big files stream ---------------------------------------------------------------------------
PROMPT = "rename the billing module"


def _otlp_attributes(values: dict) -> list[dict]:
    return [{"key": k, "value": {"intValue": str(v)} if isinstance(v, int)
             else {"stringValue": v}} for k, v in values.items()]


def _big_otlp(path: Path, spans: int) -> None:
    """Spans, one export per line, with a Claude Code request on the first line whose
    prompt comes on the last, many parts later, and one torn line in the middle."""
    def export(kind: str, items: list[dict]) -> str:
        group, scope, key = (("resourceSpans", "scopeSpans", "spans") if kind == "span"
                             else ("resourceLogs", "scopeLogs", "logRecords"))
        resource = {"attributes": _otlp_attributes({"user.email": "ada@example.com"})}
        return json.dumps({group: [{"resource": resource, scope: [{key: items}]}]})

    request = {"timeUnixNano": "1791364700000000000", "attributes": _otlp_attributes({
        "event.name": "api_request", "model": "claude-opus-4-6", "input_tokens": 20,
        "output_tokens": 31, "prompt.id": "p-1"})}
    prompt = {"timeUnixNano": "1791364700000000000", "attributes": _otlp_attributes({
        "event.name": "user_prompt", "prompt.id": "p-1", "prompt": PROMPT})}
    lines = [export("log", [request])]
    lines += [export("span", [{"traceId": f"t{n}", "spanId": "s", "startTimeUnixNano":
                               str(1791364500000000000 + n), "attributes": _otlp_attributes({
                                   "gen_ai.system": "openai", "gen_ai.request.model": "gpt-5-mini",
                                   "gen_ai.usage.input_tokens": n % 997,
                                   "gen_ai.usage.output_tokens": n % 101})}])
              for n in range(spans)]
    lines.insert(spans // 2, '{"resourceSpans": [{"scopeSpans": [')
    lines.append(export("log", [prompt]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def _big_litellm(path: Path, rows: int) -> None:
    """LiteLLM SpendLogs rows, as JSON lines or CSV, one of them torn."""
    records = [{"request_id": f"chatcmpl-{n}", "startTime": "2026-10-05 10:00:01",
                "model": "gpt-5-mini", "custom_llm_provider": "openai", "user": "gw-ada",
                "prompt_tokens": str(n % 997), "completion_tokens": str(n % 101)}
               for n in range(rows)]
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".jsonl":
        lines = [json.dumps(r) for r in records]
        lines.insert(rows // 2, '{"request_id": "torn", "model": ')
        path.write_text("\n".join(lines) + "\n")
        return
    records.insert(rows // 2, {"request_id": "torn", "model": "gpt-5-mini",
                               "prompt_tokens": "-1"})
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)


BIG_FILES = {  # landing file -> how to write it with n good records and one bad
    "canonical/big.jsonl": lambda path, n: slow_calls_file(path, ["ada@example.com"], n),
    "otlp/big.jsonl": _big_otlp,
    "litellm/big.jsonl": _big_litellm,
    "litellm/big.csv": _big_litellm,
}


@pytest.mark.parametrize("name", list(BIG_FILES))
def test_a_big_file_is_written_part_by_part_and_recorded_once(tmp_path, monkeypatch, name):
    """A file too big (or too broken) for a one-pass reader is read, checked and written a
    part at a time, so memory holds a part, never the file (BENCHMARKS.md measures
    multi-GB files). Small parts and a small size limit here make a small file span many."""
    from pipelines.eventlog.ingest import ingest_stream
    from pipelines.eventlog.store import EventLog
    from pipelines.sources.agent_calls import canonical, otlp
    from pipelines.sources.reading import lines
    from pipelines.sources.reference.reference_files import REFERENCE_SCHEMAS

    monkeypatch.setattr(lines, "BLOCK_BYTES", 16 << 10)
    monkeypatch.setattr(otlp, "BLOCK_BYTES", 16 << 10)
    monkeypatch.setattr(canonical, "WHOLE_FILE_MAX_BYTES", 16 << 10)
    landing = tmp_path / "landing"
    BIG_FILES[name](landing / "agent_calls" / name, 2_000)
    if name.startswith("canonical"):  # and one torn line
        with (landing / "agent_calls" / name).open("a") as handle:
            handle.write('{"event_id": "broken", "model": \n')
    log = EventLog(tmp_path / "lake")
    log.ensure_layout(REFERENCE_SCHEMAS)
    result = ingest_stream(landing, log, "agent_calls")
    good = 2_001 if name.startswith("otlp") else 2_000  # the Claude Code request
    assert (result.rows, result.quarantined) == (good, 1)
    parts = {p.name for p in (tmp_path / "lake" / "agent_calls").rglob("*-*.parquet")}
    assert len({name.rsplit("-", 1)[1] for name in parts}) > 10  # many parts were written
    with duckdb.connect() as con:
        calls = str(tmp_path / "lake" / "agent_calls" / "**" / "*.parquet")
        assert con.execute("select count(*), count(distinct event_id) from read_parquet(?)",
                           [calls]).fetchall() == [(good, good)]
        assert con.execute("select sum(output_tokens) from read_parquet(?) where model <> "
                           "'claude-opus-4-6'", [calls]).fetchall() == [
            (sum(n % 101 for n in range(2_000)),)]
        if name.startswith("otlp"):  # the prompt, 2,000 spans later, still reached it
            assert con.execute("select prompt_chars from read_parquet(?) where model = "
                               "'claude-opus-4-6'", [calls]).fetchall() == [(len(PROMPT),)]
    assert [e["source_file"] for e in log.entries("agent_calls")] == [f"agent_calls/{name}"]
    again = ingest_stream(landing, log, "agent_calls")  # a re-run adds nothing
    assert (again.files_ingested, again.files_skipped) == (0, 1)


def test_a_pretty_printed_document_too_big_to_hold_is_refused_with_a_reason(tmp_path,
                                                                           monkeypatch):
    """One JSON document has to be held whole to be parsed: over the size limit it is one
    quarantined record saying what to do, not a line-by-line flood of malformed JSON."""
    from pipelines.sources.agent_calls import canonical
    from pipelines.sources.agent_calls.litellm import read_litellm

    monkeypatch.setattr(canonical, "WHOLE_FILE_MAX_BYTES", 1 << 10)
    rows = [{"request_id": f"chatcmpl-{n}", "model": "openai/gpt-5-mini", "user": "gw-ada",
             "startTime": "2026-10-05 10:00:01"} for n in range(50)]
    path = tmp_path / "spend.json"
    path.write_text(json.dumps(rows, indent=2))
    valid, rejected = read_litellm(path)
    assert valid is None
    [refusal] = rejected.to_pylist()
    assert refusal["source_line"] == 1
    assert refusal["reason"] == (f"one JSON document of {path.stat().st_size:,} bytes: a file "
                                 "over 1,024 bytes is read as JSON lines; write one document "
                                 "per line")
    monkeypatch.setattr(canonical, "WHOLE_FILE_MAX_BYTES", 1 << 20)  # under it: read whole
    valid, rejected = read_litellm(path)
    assert valid.num_rows == 50 and rejected is None


def test_a_json_line_holding_a_unicode_line_separator_is_one_record(tmp_path):
    """JSON allows U+2028, U+2029 and U+0085 unescaped in a string; they do not end a line."""
    from pipelines.sources.agent_calls.litellm import read_litellm

    path = tmp_path / "spend.jsonl"
    rows = [{"request_id": f"chatcmpl-{n}", "model": "openai/gpt-5-mini", "startTime":
             "2026-10-05 10:00:01", "user": f"gw{sep}ada"}
            for n, sep in enumerate(["\u2028", "\u2029", "\x85"])]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                    encoding="utf-8")
    valid, rejected = read_litellm(path)
    assert rejected is None and valid["user_key"].to_pylist() == [r["user"] for r in rows]
