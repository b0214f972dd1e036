"""The stock client's tier rule (apache/aurora client/cli/context.py, _get_config_with_production_and_tier) against
the scheduler's tiers as getTierConfigs lists them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import AuroraProtocolError
from ansible_collections.heron.aurora.plugins.module_utils._aurora.tiers import tier_configs


def result(default, **tiers):
    return SimpleNamespace(defaultTierName=default, tiers=[
        SimpleNamespace(name=name, settings={"preemptible": preemptible, "revocable": revocable})
        for name, (preemptible, revocable) in tiers.items()])


# The scheduler's stock tiers.json.
STOCK = tier_configs(result("preemptible", preferred=("false", "false"), preemptible=("true", "false"),
                            revocable=("true", "true")))


@pytest.mark.parametrize(("tier", "production", "expected"), [
    (None, False, ("preemptible", False)),   # not production: preemptible and not revocable
    (None, True, ("preferred", True)),       # production: neither preemptible nor revocable
    ("preferred", False, ("preferred", True)),  # a tier given sets production from it
    ("revocable", True, ("revocable", False)),
    ("preemptible", True, ("preemptible", False)),
    ("gold", True, ("gold", True)),          # unknown to the scheduler: left for it to refuse
])
def test_the_stock_rule(tier, production, expected):
    assert STOCK.choose(tier, production) == expected


def test_no_matching_tier_falls_back_to_the_default():
    only_revocable = tier_configs(result("revocable", revocable=("true", "true")))
    assert only_revocable.choose(None, True) == ("revocable", True)
    assert only_revocable.choose(None, False) == ("revocable", False)


def test_a_production_default_tier_does_not_make_a_non_production_job_production():
    production_default = tier_configs(result("preferred", preferred=("false", "false"),
                                             preemptible=("true", "false")))
    assert production_default.choose(None, False) == ("preemptible", False)


def test_the_first_match_in_the_schedulers_order_wins():
    two = tier_configs(result("a", a=("true", "false"), b=("true", "false")))
    assert two.choose(None, False) == ("a", False)


@pytest.mark.parametrize("settings", [{"preemptible": "yes", "revocable": "false"}, {"revocable": "false"}])
def test_settings_that_are_not_booleans_are_a_protocol_error(settings):
    bad = SimpleNamespace(defaultTierName="x", tiers=[SimpleNamespace(name="x", settings=settings)])
    with pytest.raises(AuroraProtocolError, match="tier 'x' has preemptible="):
        tier_configs(bad)
