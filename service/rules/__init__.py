"""Deterministic civility and spam checks that explain themselves with spans."""

from service.rules.engine import RULES, RuleInfo, RuleSettings, check_rules, fingerprint

__all__ = ["RULES", "RuleInfo", "RuleSettings", "check_rules", "fingerprint"]
