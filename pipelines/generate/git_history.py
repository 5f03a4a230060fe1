"""The sample org's git side: real repositories written with `git fast-import` (feature
commits with AI trailers and markers, merges that ship features, chores) and a retired
repository known only from an export of canonical commits."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipelines.generate.company import TEAMS, iso
from pipelines.generate.truth import CommitRecord

AI_TRAILERS = [
    "Co-authored-by: Claude <noreply@anthropic.com>",
    "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>",
    "Co-authored-by: Cursor Agent <cursoragent@cursor.com>",
]
CLAUDE_MARKER = "🤖 Generated with [Claude Code](https://claude.com/claude-code)"


class GitHistory:
    """Mixed into OrgGenerator: its repositories."""

    def make_repos(self) -> None:
        rng = self.rng
        events: dict[str, list[tuple[datetime, str, dict]]] = defaultdict(list)
        for session in self.sessions:
            if session.feature is None or rng.random() > 0.35:
                continue
            # git keeps whole seconds: so does the truth
            when = (session.ended_at + timedelta(minutes=rng.randint(5, 90))).replace(
                microsecond=0)
            ship = session.feature.ship_day
            if ship is not None and when.date() >= self.start + timedelta(days=ship):
                continue  # work after the merge stays uncommitted
            trailers = []
            if rng.random() < 0.6:
                trailers.append(rng.choice(AI_TRAILERS))
            if rng.random() < 0.5:
                trailers.append(f"Agent-Session: {session.session_id}")
            body = CLAUDE_MARKER if rng.random() < 0.2 else ""
            events[session.repo].append((when, "feature_commit", dict(
                feature=session.feature, person=session.person, trailers=trailers, body=body)))
        for feature in self.features:
            if feature.ship_day is None:
                continue
            day = self.start + timedelta(days=feature.ship_day)
            when = datetime(day.year, day.month, day.day, 17, rng.randint(0, 59), tzinfo=UTC)
            events[feature.repo].append((when, "merge", dict(feature=feature)))
        for repo in sorted({t[1] for t in TEAMS.values()}):
            for _ in range(max(2, self.days // 3)):
                day = self.start + timedelta(days=rng.randrange(self.days))
                when = datetime(day.year, day.month, day.day, rng.randint(8, 18),
                                rng.randint(0, 59), tzinfo=UTC)
                events[repo].append((when, "chore", dict(person=rng.choice(self.people))))
        repos_dir = self.out / "git" / "repos"
        repos_dir.mkdir(parents=True, exist_ok=True)
        entries = []
        for repo in sorted(events):
            self._fast_import(repos_dir / f"{repo}.git", sorted(events[repo], key=lambda e: e[0]))
            entries.append(f"  - path: repos/{repo}.git\n    name: {repo}\n"
                           f"    default_branch: main\n")
        (self.out / "git" / "repos.yml").write_text("repos:\n" + "".join(entries))
        self._write_legacy_export()

    def _write_legacy_export(self) -> None:
        """A retired repository known only from an export of canonical commits (before the
        window, so it links to no session)."""
        rng = self.rng
        lines = []
        for n in range(5):
            person = rng.choice(self.people)
            when = datetime.combine(self.start - timedelta(days=40 - n), datetime.min.time(),
                                    UTC) + timedelta(hours=11)
            sha = hashlib.sha1(f"legacy-{n}".encode()).hexdigest()
            lines.append(json.dumps({
                "repo": "acme-legacy", "sha": sha, "parents": [] if n == 0 else [
                    hashlib.sha1(f"legacy-{n - 1}".encode()).hexdigest()],
                "author_name": person.name, "author_email": person.email,
                "authored_at": iso(when), "committer_name": person.name,
                "committer_email": person.email, "committed_at": iso(when),
                "message": f"chore: legacy cleanup {n}\n", "additions": 10 + n, "deletions": n,
                "files_changed": 1, "on_default_branch": True}))
        (self.out / "git" / "legacy-commits.jsonl").write_text("\n".join(lines) + "\n")
        self.commit_count += len(lines)

    def _fast_import(self, path: Path, events: list[tuple[datetime, str, dict]]) -> None:
        rng = self.rng
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True)
        stream: list[bytes] = []
        mark = 0
        branch_tips: dict[str, int] = {}

        def data(text: str) -> bytes:
            raw = text.encode()
            return b"data %d\n" % len(raw) + raw + b"\n"

        def commit(ref: str, who: tuple[str, str], when: datetime, message: str,
                   parents: list[int], files: dict[str, str]) -> int:
            nonlocal mark
            mark += 1
            self.commit_count += 1
            stamp = f"{int(when.timestamp())} +0000"
            chunk = [f"commit {ref}\nmark :{mark}\n".encode(),
                     f"author {who[0]} <{who[1]}> {stamp}\n".encode(),
                     f"committer {who[0]} <{who[1]}> {stamp}\n".encode(), data(message)]
            if parents:
                chunk.append(f"from :{parents[0]}\n".encode())
            for parent in parents[1:]:
                chunk.append(f"merge :{parent}\n".encode())
            for file_path, content in files.items():
                chunk.append(f"M 100644 inline {file_path}\n".encode() + data(content))
            stream.append(b"".join(chunk))
            return mark

        def lines(tag: str) -> str:
            return "".join(f"def {tag}_{i}():\n    return {rng.randint(0, 10**6)}\n"
                           for i in range(rng.randint(2, 40)))

        first = events[0][0] if events else datetime.combine(self.start, datetime.min.time(), UTC)
        main = commit("refs/heads/main", ("Repo Bot", "repo-bot@acme.example"),
                      first - timedelta(days=1), "Initial commit\n", [],
                      {"README.md": f"# {path.stem}\n"})
        for n, (when, kind, info) in enumerate(events):
            if kind == "chore":
                person = info["person"]
                content = lines("c")
                main = commit("refs/heads/main", (person.name, person.email), when,
                              "chore: tidy dependencies\n", [main], {f"chores/c{n}.py": content})
                self.book.add_commit(CommitRecord(path.stem, person.email, when,
                                                  content.count("\n"), None, []))
            elif kind == "feature_commit":
                feature, person = info["feature"], info["person"]
                ref = f"refs/heads/feature/{feature.key}"
                parent = branch_tips.get(feature.key, main)
                message = f"{feature.key}: work on {feature.name.lower()}\n"
                if info["body"]:
                    message += f"\n{info['body']}\n"
                if info["trailers"]:
                    message += "\n" + "\n".join(info["trailers"]) + "\n"
                content = lines("f")
                branch_tips[feature.key] = commit(
                    ref, (person.name, person.email), when, message, [parent],
                    {f"src/{feature.key.lower()}/part_{n}.py": content})
                linked = [t.split(": ", 1)[1] for t in info["trailers"]
                          if t.startswith("Agent-Session: ")]
                method = ("co_author" if any(t.startswith("Co-authored-by") for t in
                                             info["trailers"])
                          else "marker" if info["body"] else "session_trailer" if linked
                          else None)
                if method:
                    self.ai_commits[method] += 1
                self.book.add_commit(CommitRecord(path.stem, person.email, when,
                                                  content.count("\n"), feature.key, linked))
            elif kind == "merge" and info["feature"].key in branch_tips:
                feature = info["feature"]
                main = commit("refs/heads/main", ("Merge Bot", "merge-bot@acme.example"), when,
                              f"Merge branch 'feature/{feature.key}'\n",
                              [main, branch_tips[feature.key]], {})
                self.book.add_ship(feature.key, when)
        subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=b"".join(stream),
                       check=True)
