"""`amends check` for drafting: every template renders for every sample case, and the tone rules load.

Problems (which stop `amends run`) name the file and line. Tone hints a template earns on the samples are
notes: worth a look by whoever wrote the template, never a reason to refuse to start.
"""

from __future__ import annotations

from bot.checks import CheckResult
from bot.datafile import read_yaml
from bot.drafting.composer import Drafting, template_folders
from bot.drafting.environment import Target
from bot.drafting.samples import samples
from bot.drafting.templates import BASE_LANGUAGE, TemplateLibrary, TemplateProblem
from bot.drafting.tone import ToneRules, load_rules
from bot.errors import ConfigError
from bot.settings import AmendsConfig, Settings


def _config_problem(settings: Settings, loc: tuple[str, ...], message: str) -> str:
    try:
        return read_yaml(settings.config_path).problem(loc, message)
    except ConfigError:
        return f"{settings.config_path}: {'.'.join(loc)}: {message}"


def drafting_check(settings: Settings, config: AmendsConfig) -> CheckResult:
    folders = template_folders(config)
    library = TemplateLibrary(folders)
    result = CheckResult(f"message templates ({len(library.all_refs())} in {', '.join(str(f) for f in folders)}; "
                         f"languages {', '.join(library.languages())}) and tone rules")
    result.problems += library.problems
    team = config.drafting.templates
    if team is not None and not team.is_dir():
        result.problems.append(_config_problem(settings, ("drafting", "templates"),
                                               f"{str(team)!r} is not a folder (relative to amends.yaml)"))
    rules: dict[str, ToneRules] = {}
    for language in library.languages():
        try:
            rules[language] = load_rules(folders, case_prefix=config.cases.id_prefix, language=language)
        except ConfigError as exc:
            result.problems += exc.problems
            rules[language] = ToneRules([])
    drafting = Drafting(library, rules[BASE_LANGUAGE], rules)
    # Every language's templates against every sample, dates written in that language.
    contexts = {language: [(sample.label, sample.context(config, language=language)) for sample in samples()]
                for language in library.languages()}
    for ref in library.all_refs():
        hinted: dict[str, list[str]] = {}
        try:
            for label, context in contexts[ref.language]:
                for target in Target:
                    composed = drafting.compose(ref, context, target)
                    for hint in composed.hints if target is Target.PLAIN else []:
                        hinted.setdefault(hint.label, []).append(label)
        except TemplateProblem as exc:
            result.problems.append(exc.line if exc.syntax else f"{exc.line} (with the sample case “{label}”)")
            continue
        for rule_label, labels in hinted.items():
            result.notes.append(f"{ref.path}: tone hint “{rule_label}” on {len(labels)} of {len(samples())} "
                                f"sample cases (e.g. “{labels[0]}”)")
    return result
