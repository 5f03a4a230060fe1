"""Frontier waste and routing savings on an org whose every call carries its task class."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from conftest import Workspace

pytestmark = pytest.mark.e2e


def cents(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.fixture(scope="module")
def tagged(tmp_path_factory) -> tuple[Workspace, dict]:
    workspace = Workspace(tmp_path_factory.mktemp("tagged"))
    workspace.tokenroi("generate", "--out", str(workspace.landing), "--engineers", "10",
                       "--days", "6", "--seed", "3", "--tag-all")
    workspace.run()
    return workspace, json.loads((workspace.landing / "truth.json").read_text())


def test_frontier_waste_equals_the_true_waste_when_every_call_is_tagged(tagged):
    workspace, truth = tagged
    rows = workspace.query("select team || '|' || month, sum(cost_usd) "
                           "from marts.fct_frontier_waste where model_tier = 'frontier' group by 1")
    assert {k: cents(v) for k, v in rows} == {
        k: cents(v) for k, v in truth["frontier_waste_true_usd_by_team_month"].items()}


def test_routing_savings_equal_truth_when_every_call_is_tagged(tagged):
    workspace, truth = tagged
    savings = workspace.query("select sum(savings_usd) from marts.fct_routing_savings")[0][0]
    assert cents(savings) == cents(truth["routing_savings_usd"])
    share = workspace.query("select routable_share_of_frontier_spend "
                            "from marts.fct_monthly_headlines")[0][0]
    assert round(share, 6) == round(truth["routable_share_of_frontier_spend"], 6)
