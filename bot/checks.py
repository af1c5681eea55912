"""What `amends check` validates, and what `amends run` refuses to start without.

Each business area with data files (playbooks, catalogs, templates, tone rules) adds one function to
CHECKS. A check returns every problem it finds, each a complete line (file:line: what is wrong), and
notes worth knowing that are not errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.settings import AmendsConfig, Settings


@dataclass
class CheckResult:
    label: str  # what was checked, e.g. "playbooks (6 files)"
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


Check = Callable[[Settings, AmendsConfig], CheckResult]


def managers_check(_settings: Settings, config: AmendsConfig) -> CheckResult:
    result = CheckResult("managers")
    if not config.managers.configured:
        result.notes.append("no managers configured; nobody is alerted when a case opens")
    return result


def playbooks_check(settings: Settings, config: AmendsConfig) -> CheckResult:
    from bot.paths import SHIPPED_PLAYBOOKS
    from bot.playbooks.loader import check_library

    library, problems, files = check_library(config.playbooks, config_path=settings.config_path)
    result = CheckResult(f"playbooks ({files} file{'s' if files != 1 else ''})", problems)
    team = sorted(i for i, path in library.sources.items() if path.parent != SHIPPED_PLAYBOOKS)
    if team:
        result.notes.append(f"team playbooks: {', '.join(team)}")
    if not problems:
        causes = ", ".join(f"{cause} -> {library.playbook_id_for(cause)}" for cause, _ in config.playbooks.by_cause)
        kinds = ", ".join(f"{kind} -> {playbook}" for kind, playbook in config.playbooks.by_kind)
        result.notes.append(f"by promise kind: {kinds}; goods by cause: {causes}; anything else -> "
                            f"{config.playbooks.fallback}")
    return result


def _drafting_check(settings: Settings, config: AmendsConfig) -> CheckResult:
    from bot.drafting.checks import drafting_check  # drafting imports this module for CheckResult

    return drafting_check(settings, config)


def knowledge_check(_settings: Settings, config: AmendsConfig) -> CheckResult:
    from bot.errors import ConfigError
    from bot.knowledge.synonyms import load_synonyms

    extra = config.knowledge.synonyms
    result = CheckResult("best-practices search (synonyms" + (f", {extra})" if extra else ")"))
    try:
        load_synonyms(extra)
    except ConfigError as exc:
        result.problems += exc.problems
    if not config.knowledge.channels:
        result.notes.append("no knowledge.channels; only saved messages and resolved cases are searchable")
    return result


def offers_check(settings: Settings, config: AmendsConfig) -> CheckResult:
    from bot.offers.catalog import check_catalog
    from bot.playbooks.loader import check_library

    library, _, _ = check_library(config.playbooks, config_path=settings.config_path)
    known_checks = {c.id for playbook in library.playbooks.values() for step in playbook.steps for c in step.checks}
    catalog, problems = check_catalog(config.playbooks, known_checks)
    result = CheckResult(f"alternatives ({len(catalog.sources)} file{'s' if len(catalog.sources) != 1 else ''})",
                         problems)
    known = {tier.id for tier in config.customer_tiers}
    for tier, _ in config.offers.budget.tiers:
        if tier not in known and tier not in {"standard", "preferred", "key"}:
            result.problems.append(f"{settings.config_path}: offers.budget.tiers: there is no customer tier "
                                   f"{tier!r} (tiers: {', '.join(sorted(known))})")
    if not problems:
        result.notes.append(f"{len(catalog.alternatives)} alternatives, {len(catalog.incentives)} incentives")
    if not (config.offers.approvers.configured or config.managers.configured):
        result.notes.append("no approvers (nor managers): offers beyond an associate's limit can't be approved")
    elif not config.offers.approvers.configured:
        result.notes.append("no offers.approvers; the managers approve offers beyond an associate's limit")
    return result


def api_check(settings: Settings, config: AmendsConfig) -> CheckResult:
    from bot.api.sender import webhook_secrets
    from bot.errors import ConfigError

    hooks = config.api.webhooks
    result = CheckResult(f"order-system API ({len(hooks)} webhook{'s' if len(hooks) != 1 else ''})")
    try:
        webhook_secrets(config.api)
    except ConfigError as exc:
        result.problems += exc.problems
    if not config.api.triage_owner:
        result.notes.append("no api.triage_owner: an event that names no owner found in Slack is refused (422)")
    if settings.api_secret is None:
        result.notes.append("AMENDS_API_SECRET not set: the API takes bearer keys only, no signed requests")
    return result


def lead_times_check(_settings: Settings, config: AmendsConfig) -> CheckResult:
    from bot.cases.lead_times import check_lead_times

    lead_times, problems = check_lead_times(config.playbooks)
    files = len(lead_times.sources)
    result = CheckResult(f"lead times ({files} file{'s' if files != 1 else ''})", problems)
    if not problems:
        result.notes.append(f"{len(lead_times.entries)} lead times"
                            + (f"; origins: {', '.join(lead_times.origins)}" if lead_times.origins else ""))
        uncovered = lead_times.uncovered_causes()
        if uncovered:
            result.notes.append(f"no lead time for the causes {', '.join(uncovered)}: no achievable date is "
                                "suggested for them (unless an order system sends an ETA)")
    return result


CHECKS: list[Check] = [managers_check, playbooks_check, _drafting_check, knowledge_check, offers_check, api_check,
                       lead_times_check]


def run_checks(settings: Settings, config: AmendsConfig) -> list[CheckResult]:
    return [check(settings, config) for check in CHECKS]
