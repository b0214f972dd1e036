# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scheduler's tiers (getTierConfigs) and the stock client's rule for a job's tier and production flag.

The scheduler puts a task without a tier in its default tier and takes production from the tier, so a client
that sent none would silently turn ``production=True`` into the default tier's production. The stock client
therefore asks for the tiers on every config load and fills in what the config leaves open (docs/aurora-cli.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import AuroraProtocolError

# How the scheduler spells its settings (TierInfo.toMap: String.valueOf(boolean)); 1/0 as pystachio's Boolean.
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


@dataclass(frozen=True)
class Tier:
    name: str
    preemptible: bool
    revocable: bool


@dataclass(frozen=True)
class TierConfigs:
    default: str
    tiers: tuple  # of Tier, in the order the scheduler lists them (that of its tier configuration file)

    def choose(self, tier: str | None, production: bool) -> tuple[str | None, bool]:
        """The (tier, production) the stock client sends for a config's ``tier`` and ``production``.

        Without a tier: the first tier that is preemptible exactly when the job is not production and is not
        revocable, else the default tier; production stays as configured. With a tier: production is that tier's
        "not preemptible"; a tier the scheduler does not know is left for it to refuse."""
        if tier is None:
            chosen = next((t.name for t in self.tiers if t.preemptible == (not production) and not t.revocable),
                          self.default)
            return chosen, production
        named = next((t for t in self.tiers if t.name == tier), None)
        return tier, production if named is None else not named.preemptible


def _setting(tier: Any, name: str) -> bool:
    value = (tier.settings or {}).get(name)
    if value is None or str(value).strip().lower() not in _BOOLEANS:
        raise AuroraProtocolError(f"getTierConfigs: tier {tier.name!r} has {name}={value!r}, not true or false")
    return _BOOLEANS[str(value).strip().lower()]


def tier_configs(result: Any) -> TierConfigs:
    """TierConfigs from the scheduler's GetTierConfigResult."""
    if result is None or not result.defaultTierName:
        raise AuroraProtocolError("getTierConfigs: the scheduler named no default tier")
    tiers = tuple(Tier(t.name, _setting(t, "preemptible"), _setting(t, "revocable")) for t in result.tiers or [])
    return TierConfigs(default=result.defaultTierName, tiers=tiers)
