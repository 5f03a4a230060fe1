"""Local git repositories (landing/git/repos.yml) → canonical commits, one streamed `git log`.

repos.yml: ``repos: [{path: ..., name: acme-api, default_branch: main}]``; a relative path is
relative to the yml's folder, ``name`` defaults to the folder name without ``.git`` and
``default_branch`` to the repository's HEAD.
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import yaml

from pipelines.sources.reading.schema import COMMIT_FIELDS

# NUL starts each record and ends each field: git keeps any other byte in names and messages
# (\x1e and \x1f included), but refuses NUL in both.
NUL = "\x00"
# hash, parents, author name/email/date, committer name/email/date, raw body; numstat after
LOG_FORMAT = "%x00" + "%x00".join(["%H", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"]) \
    + "%x00"
_RECORD_START = re.compile("\x00[0-9a-f]{40,64}\x00")  # (a body's closing NUL may start a line)


class RepositoryError(ValueError):
    """A repository listed in repos.yml cannot be read; the message names it."""


@dataclass(frozen=True)
class Repository:
    name: str
    path: Path
    default_branch: str

    def git(self, *args: str) -> str:
        done = subprocess.run(["git", "-C", str(self.path), *args], capture_output=True,
                              text=True, encoding="utf-8", errors="replace")
        if done.returncode != 0:
            raise RepositoryError(f"git {' '.join(args[:2])} failed in {self.path} "
                                  f"({self.name}): {done.stderr.strip()}")
        return done.stdout

    def fingerprint(self) -> str:
        """Changes whenever any ref moves: a repository is re-read only then."""
        refs = self.git("for-each-ref", "--format=%(refname) %(objectname)")
        return hashlib.sha256(f"{self.name}\n{self.default_branch}\n{refs}".encode()).hexdigest()

    def tips(self) -> list[str]:
        """The commits every ref points at: what a later incremental read starts after."""
        refs = self.git("for-each-ref", "--format=%(objectname) %(objecttype)").split("\n")
        return sorted({line.split()[0] for line in refs if line.endswith(" commit")})

    def has_commits(self, shas: list[str]) -> bool:
        done = subprocess.run(["git", "-C", str(self.path), "cat-file", "--batch-check"],
                              input="\n".join(shas) + "\n", capture_output=True, text=True)
        return done.returncode == 0 and "missing" not in done.stdout


def read_repos_yml(path: Path) -> list[Repository]:
    config = yaml.safe_load(path.read_text()) or {}
    repositories = []
    for entry in config.get("repos") or []:
        repo_path = Path(entry["path"]).expanduser()
        if not repo_path.is_absolute():
            repo_path = (path.parent / repo_path).resolve()
        if not repo_path.exists():
            raise RepositoryError(f"{path}: repository path {repo_path} does not exist")
        name = entry.get("name") or repo_path.name.removesuffix(".git")
        repository = Repository(name, repo_path, entry.get("default_branch") or "")
        if not repository.default_branch:
            head = repository.git("symbolic-ref", "--short", "HEAD").strip()
            repository = Repository(name, repo_path, head)
        repositories.append(repository)
    return repositories


def _iso_utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC).replace(tzinfo=None)


def _stream_log(repository: Repository, seen_tips: list[str]) -> Iterator[str]:
    """Yield one raw record (format fields + numstat lines) at a time, without buffering all.

    Commits reachable from ``seen_tips`` were read before and are left out.
    """
    exclude = ["--not", *seen_tips] if seen_tips else []
    process = subprocess.Popen(
        ["git", "-C", str(repository.path), "log", "--all", "--numstat", "--no-renames",
         "--date-order", f"--format={LOG_FORMAT}", *exclude],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    # newline="": lines split as usual but a \r in a message comes through as it was
    buffer: list[str] = []
    for line in io.TextIOWrapper(process.stdout, encoding="utf-8", errors="replace", newline=""):
        if _RECORD_START.match(line) and buffer:
            yield "".join(buffer)
            buffer = []
        buffer.append(line)
    if buffer:
        yield "".join(buffer)
    if process.wait() != 0:
        error = process.stderr.read().decode(errors="replace").strip()
        raise RepositoryError(f"git log failed in {repository.path} ({repository.name}): "
                              f"{error}")


def read_commits(repository: Repository, seen_tips: list[str] | None = None) -> pa.Table:
    """Commits reachable from any ref, as canonical commit rows (+ source_line); with
    ``seen_tips`` only those not reachable from them (a re-run reads only new commits).
    If a seen tip vanished (history was rewritten), everything is read again.

    on_default_branch means on the default branch's first-parent history: the commits that
    landed there (merge, squash and direct commits). A merged branch's own commits are
    reachable but were not committed there; this is what makes "a feature ships at the
    first commit on the default branch that references its key" the day it was merged.
    """
    on_default = set(repository.git("rev-list", "--first-parent",
                                    repository.default_branch).split())
    rows: dict[str, list] = {f.name: [] for f in COMMIT_FIELDS}
    rows["source_line"] = []
    if seen_tips and not repository.has_commits(seen_tips):
        seen_tips = None
    for number, record in enumerate(_stream_log(repository, seen_tips or []), start=1):
        fields = record.removeprefix(NUL).split(NUL)
        sha, parents, a_name, a_email, a_date, c_name, c_email, c_date, body, stats = fields
        additions = deletions = files = 0
        for stat in stats.split("\n"):
            columns = stat.split("\t")
            if len(columns) == 3:
                files += 1
                # Binary files show "-": they change no lines.
                additions += int(columns[0]) if columns[0].isdigit() else 0
                deletions += int(columns[1]) if columns[1].isdigit() else 0
        values = {
            "event_id": f"{repository.name}:{sha}", "repo": repository.name, "sha": sha,
            "parents": parents.split(), "author_name": a_name, "author_email": a_email,
            "authored_at": _iso_utc(a_date), "committer_name": c_name,
            "committer_email": c_email, "committed_at": _iso_utc(c_date), "message": body,
            "additions": additions, "deletions": deletions, "files_changed": files,
            "on_default_branch": sha in on_default, "source_line": number,
        }
        for key, value in values.items():
            rows[key].append(value)
    schema = pa.schema([(f.name, f.arrow_type) for f in COMMIT_FIELDS]
                       + [("source_line", pa.int64())])
    return pa.table(rows, schema=schema)
