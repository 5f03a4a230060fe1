"""Real repositories made with `git` → canonical commits (numstat, merges, default branch)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.sources.git.git_log import RepositoryError, read_commits, read_repos_yml


def git(repo: Path, *args: str, when: str = "2026-10-01T10:00:00+00:00",
        who: tuple[str, str] = ("Ada Okafor", "ada@acme.example")) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when,
           "GIT_AUTHOR_NAME": who[0], "GIT_AUTHOR_EMAIL": who[1],
           "GIT_COMMITTER_NAME": who[0], "GIT_COMMITTER_EMAIL": who[1]}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env=env).stdout.strip()


@pytest.fixture
def repo(tmp_path) -> Path:
    path = tmp_path / "acme-api"
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    (path / "a.py").write_text("one\ntwo\nthree\n")
    git(path, "add", "."), git(path, "commit", "-qm", "initial")
    git(path, "checkout", "-qb", "feature/PAY-7-retries")
    (path / "a.py").write_text("one\n2\nthree\nfour\n")  # 2 added, 1 deleted
    (path / "b.bin").write_bytes(b"\x00\x01binary")
    git(path, "add", ".")
    git(path, "commit", "-qm", "PAY-7: retries\n\nCo-authored-by: Claude <noreply@anthropic.com>",
        when="2026-10-02T09:00:00+02:00")
    git(path, "checkout", "-q", "main")
    git(path, "merge", "-q", "--no-ff", "-m", "Merge branch 'feature/PAY-7-retries'",
        "feature/PAY-7-retries", when="2026-10-03T12:00:00+00:00")
    git(path, "checkout", "-qb", "feature/PAY-8")
    (path / "c.py").write_text("x\n")
    git(path, "add", "."), git(path, "commit", "-qm", "PAY-8: unmerged work")
    git(path, "checkout", "-q", "main")
    return path


def test_commits_carry_numstat_parents_utc_times_and_default_branch_reachability(repo, tmp_path):
    yml = tmp_path / "repos.yml"
    yml.write_text(f"repos:\n  - path: {repo.name}\n")
    (repository,) = read_repos_yml(yml)
    assert (repository.name, repository.default_branch) == ("acme-api", "main")
    rows = {r["message"].splitlines()[0]: r for r in read_commits(repository).to_pylist()}
    assert set(rows) == {"initial", "PAY-7: retries", "Merge branch 'feature/PAY-7-retries'",
                         "PAY-8: unmerged work"}
    work = rows["PAY-7: retries"]
    assert (work["additions"], work["deletions"], work["files_changed"]) == (2, 1, 2)
    assert str(work["authored_at"]) == "2026-10-02 07:00:00"
    assert "Co-authored-by: Claude <noreply@anthropic.com>" in work["message"]
    # Merged, but committed on the branch: only the merge is on the first-parent history.
    assert work["on_default_branch"] is False
    merge = rows["Merge branch 'feature/PAY-7-retries'"]
    assert len(merge["parents"]) == 2 and merge["additions"] == 0
    assert merge["on_default_branch"] is True and rows["initial"]["on_default_branch"] is True
    assert rows["PAY-8: unmerged work"]["on_default_branch"] is False
    assert work["event_id"] == f"acme-api:{work['sha']}"


def test_fingerprint_moves_only_when_a_ref_moves(repo, tmp_path):
    yml = tmp_path / "repos.yml"
    yml.write_text(f"repos:\n  - path: {repo}\n    name: api\n    default_branch: main\n")
    (repository,) = read_repos_yml(yml)
    before = repository.fingerprint()
    assert repository.fingerprint() == before
    (repo / "d.py").write_text("y\n")
    git(repo, "add", "."), git(repo, "commit", "-qm", "more")
    assert repository.fingerprint() != before


def test_bare_clones_are_read_too(repo, tmp_path):
    bare = tmp_path / "mirror" / "acme-api.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True)
    yml = tmp_path / "repos.yml"
    yml.write_text(f"repos:\n  - path: {bare}\n")
    (repository,) = read_repos_yml(yml)
    assert repository.name == "acme-api"
    assert len(read_commits(repository)) == 4


def test_a_missing_repository_path_is_an_error_naming_it(tmp_path):
    yml = tmp_path / "repos.yml"
    yml.write_text("repos:\n  - path: /nowhere/acme-gone.git\n")
    with pytest.raises(RepositoryError, match="/nowhere/acme-gone.git"):
        read_repos_yml(yml)


def test_a_rerun_reads_only_the_commits_it_has_not_seen(repo, tmp_path):
    from pipelines.eventlog.ingest import ingest_stream
    from pipelines.eventlog.store import EventLog
    from pipelines.sources.reference.reference_files import REFERENCE_SCHEMAS

    landing = tmp_path / "landing"
    (landing / "git").mkdir(parents=True)
    (landing / "git" / "repos.yml").write_text(f"repos:\n  - path: {repo}\n")
    log = EventLog(tmp_path / "lake")
    log.ensure_layout(REFERENCE_SCHEMAS)
    assert ingest_stream(landing, log, "commits").rows == 4
    assert ingest_stream(landing, log, "commits").files_skipped == 1  # no ref moved
    (repo / "e.py").write_text("z\n")
    git(repo, "add", "."), git(repo, "commit", "-qm", "PAY-9: one more")
    again = ingest_stream(landing, log, "commits")
    assert (again.files_ingested, again.rows) == (1, 1)


# Any text git accepts (it refuses NUL) in a message or an author name, the separators an
# earlier parser used (\x1e, \x1f) and carriage returns among them.
git_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"],
                                          exclude_characters="\x00"), max_size=40)
odd_messages = st.sampled_from(["\x1eabc\nmid\x1fdle", "a\r\nb\rc", "<script>x</script>",
                                "\n\n\x1e\x1f\n", "subject\n\n1\t2\tfile.py"])


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=git_text | odd_messages, author=git_text)
def test_any_message_and_author_come_through_as_git_stored_them(tmp_path_factory, message,
                                                                author):
    """Whatever a message or author name holds, the commit reads back as git stored it
    (`git cat-file` is the independent reference) and its line counts are right."""
    path = tmp_path_factory.mktemp("odd")
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    (path / "a.py").write_text("one\ntwo\n")
    git(path, "add", ".")
    (path / "message").write_text(message or "m", newline="")
    git(path, "commit", "-q", "--cleanup=verbatim", "--allow-empty-message", "-F",
        str(path / "message"), who=(f"A{author}", "bo@acme.example"))
    raw = subprocess.run(["git", "-C", str(path), "cat-file", "commit", "HEAD"], check=True,
                         capture_output=True).stdout.decode()
    headers, _, stored = raw.partition("\n\n")
    author_line = next(h for h in headers.split("\n") if h.startswith("author "))
    stored_author = author_line.removeprefix("author ").rsplit(" <", 1)[0]
    (row,) = read_commits(read_repos_yml(_repos_yml(path))[0]).to_pylist()
    assert (row["message"], row["author_name"]) == (stored, stored_author)
    assert (row["additions"], row["deletions"], row["files_changed"]) == (2, 0, 1)


def _repos_yml(repo: Path) -> Path:
    yml = repo.parent / f"{repo.name}.yml"
    yml.write_text(f"repos:\n  - path: {repo}\n")
    return yml
