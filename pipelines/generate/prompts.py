"""Prompt templates for the sample org, one list per task class (docs/rules.md "Task class")."""

from __future__ import annotations

import random

PROMPTS: dict[str, list[str]] = {
    "planning": [
        "We need to split the {area} monolith into services. Propose a migration plan with phases, risks and a rollback story.",
        "Compare Kafka and Postgres logical replication for the {area} event feed; recommend one and explain the trade-offs.",
        "Break {key} down into tickets we can ship in two-week increments, with dependencies.",
        "Review this design doc for the {area} rate limiter and list the weak points before we commit to it.",
        "How should we roll out the new {area} schema without downtime? Draft the rollout and backfill plan.",
        "Design the data model for multi-currency support in {area}; what are the options and which scales?",
        "Plan the architecture for moving {area} jobs from cron to a queue, including failure handling.",
    ],
    "implementation": [
        "Write a pytest for the {area} retry decorator covering the timeout and the jitter path.",
        "Fix the failing test in test_{area}.py: AssertionError expected 3 got 2 in test_batch_split. Here is the trace:",
        "Refactor {area}/handlers.py so the validation lives in one function and add type hints.",
        "Implement pagination for GET /v1/{area} using a cursor, and update the OpenAPI spec.",
        "The {area} worker leaks connections under load; here is the pool config and the stack trace, find the bug.",
        "Add a GitHub Actions job that runs the {area} migrations against a throwaway Postgres.",
        "Convert this callback-based {area} client to async/await and keep the public API stable.",
        "Update the README section for {area} configuration with the new environment variables.",
    ],
    "trivial": [
        "thanks",
        "continue",
        "ok go ahead",
        "what's the git command to undo the last commit but keep changes",
        "rename variable tmp to retry_count in this file",
        "how do I format a date as ISO 8601 in python",
        "what does HTTP 409 mean",
        "fix the indentation",
        "yes",
    ],
    "non_work": [
        "how's it going",
        "what are my macros for a 2,200 calorie cutting diet",
        "what's the weather in Lisbon this weekend",
        "suggest a 3-day itinerary for Kyoto",
        "who won the Champions League final last year",
        "give me a recipe for vegan lasagna",
        "recommend a sci-fi series like The Expanse",
        "write a funny birthday message for my sister",
    ],
}

AREAS = ["billing", "auth", "search", "checkout", "ingest", "notifications", "reporting", "sync"]


def prompt_for(task_class: str, rng: random.Random, feature_key: str | None) -> str:
    template = rng.choice(PROMPTS[task_class])
    return template.format(area=rng.choice(AREAS), key=feature_key or "the roadmap item")
