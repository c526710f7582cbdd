"""Plain-language sentences of the evaluation report, for readers who are not statisticians.

Each ``plain_*`` function turns one result (an estimate with its CI and p-value, a response
rate, a reliability) into one to three sentences whose wording depends on the result: its
direction, whether it is distinguishable from chance, and what the analysis can and cannot show.
The report shows them in a coloured box next to the statistics.
"""

from __future__ import annotations

import math

from .._core.format import fmt_num, fmt_p, fmt_r

__all__ = [
    "describe",
    "plain_coefficient",
    "plain_icc",
    "plain_indirect",
    "plain_odds",
    "plain_reliability",
    "plain_response_rates",
    "plain_row_accounting",
    "subject",
]

_SUBJECT = {"mentors": "mentors", "mentees": "mentees", "networks": "respondents"}

_PHRASES = {
    "upward": (
        "value learning from people above them in the hierarchy",
        "upward learning direction",
    ),
    "lateral": ("value learning from peers at their own level", "lateral learning direction"),
    "downward": ("value learning from people junior to them", "downward learning direction"),
    "mentor_engagement": ("are more engaged in mentoring", "mentor engagement"),
    "learning_opportunity": (
        "see mentoring as a chance to learn themselves",
        "mentoring as a learning opportunity",
    ),
}
CAUSAL = "This is a correlation in survey data, not proof of cause."


def describe(name: str, title: str | None = None) -> tuple[str, str]:
    """(phrase after 'who', short label) of a score, e.g. ('value learning from ...', 'downward learning direction')."""
    if name in _PHRASES:
        return _PHRASES[name]
    label = (title or name.replace("_", " ")).strip()
    return f"score higher on {label.lower()}", label.lower()


def subject(dataset: str) -> str:
    """Who answered a file, in words: ``mentors``, ``mentees``, ``respondents``."""
    return _SUBJECT.get(dataset, "respondents")


def _num(x: float) -> str:
    return fmt_num(abs(x), 2)


def _chance(p: float) -> str:
    return f"this is unlikely to be chance ({fmt_p(p)})"


def _range(lo: float, hi: float) -> str:
    return f"{fmt_num(lo, 2)} and {fmt_num(hi, 2)}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def plain_coefficient(
    *,
    who: str,
    up: str,
    down: str,
    short: str,
    outcome_label: str,
    estimate: float,
    ci_low: float,
    ci_high: float,
    p: float,
    scale: tuple[float, float] | None,
    n: int,
    controls: list[str] | None = None,
    alpha: float = 0.05,
) -> str:
    """A regression slope in words.

    ``who`` starts the sentence ("Mentors who value learning from people junior to them"),
    ``up``/``down`` finish it for a positive/negative slope ("reported more engagement").
    """
    units = f" on the {fmt_num(scale[0], 0)}–{fmt_num(scale[1], 0)} scale" if scale else ""
    held = f", comparing people with the same {_and(controls)}" if controls else ""
    if not (math.isfinite(estimate) and math.isfinite(p)):
        return (
            f"The link between {short} and {outcome_label} could not be estimated from these data."
        )
    if p < alpha:
        more = "more" if estimate > 0 else "less"
        return (
            f"{who} {up if estimate > 0 else down}: about {_num(estimate)} points {more}{units} "
            f"for each point higher on {short}{held}. Allowing for chance, the difference is "
            f"likely between {_range(ci_low, ci_high)} points per point; {_chance(p)}. {CAUSAL}"
        )
    return (
        f"We found no clear link between {short} and {outcome_label}{held}: the estimate "
        f"({fmt_num(estimate, 2)} points{units} per point of {short}) could well be chance "
        f"({fmt_p(p)}). The data are consistent with anything between {_range(ci_low, ci_high)} "
        f"points, so an effect in either direction cannot be ruled out; with {n} respondents, "
        "small effects can go undetected."
    )


def plain_odds(
    *,
    predictor: str,
    predictor_title: str | None,
    outcome_label: str,
    odds_ratio: float,
    or_low: float,
    or_high: float,
    p: float,
    n: int,
    alpha: float = 0.05,
) -> str:
    """A logistic slope in words, as an odds ratio."""
    _, short = describe(predictor, predictor_title)
    if not (math.isfinite(odds_ratio) and math.isfinite(p)):
        return (
            f"The link between {short} and {outcome_label} could not be estimated from these data."
        )
    if p < alpha:
        direction = "higher" if odds_ratio > 1 else "lower"
        return (
            f"Each point higher on {short} goes with {fmt_num(odds_ratio, 2)} times the odds of "
            f"{outcome_label} (odds {direction} by about {abs(odds_ratio - 1) * 100:.0f}%; likely "
            f"between {fmt_num(or_low, 2)} and {fmt_num(or_high, 2)} times); {_chance(p)}. {CAUSAL}"
        )
    return (
        f"We found no clear link between {short} and {outcome_label}: the odds ratio "
        f"({fmt_num(odds_ratio, 2)}) could well be chance ({fmt_p(p)}); the data are consistent "
        f"with anything between {fmt_num(or_low, 2)} and {fmt_num(or_high, 2)} times the odds "
        f"(with {n} respondents, small effects can go undetected)."
    )


def plain_icc(icc: float, outcome_label: str, cluster_word: str = "mentors") -> str:
    """What the ICC means for the reader."""
    if not math.isfinite(icc):
        return ""
    share = f"{icc * 100:.0f}%"
    if icc < 0.05:
        alike = "mentees of the same mentor are hardly more alike than mentees of different mentors"
    else:
        alike = "mentees of the same mentor are more alike than mentees of different mentors"
    return (
        f"About {share} of the differences in {outcome_label} lie between {cluster_word} rather "
        f"than within them ({alike}); the model takes into account that mentees are grouped by mentor."
    )


def plain_indirect(
    *,
    focal: str,
    focal_title: str | None,
    mediator_label: str,
    outcome_label: str,
    estimate: float,
    ci_low: float,
    ci_high: float,
    a: float,
    b: float,
    n_boot: int,
    binary: bool = False,
) -> str:
    """An indirect effect (X -> M -> Y) in words, judged by whether its bootstrap CI excludes 0."""
    _, short = describe(focal, focal_title)
    if not all(math.isfinite(v) for v in (estimate, ci_low, ci_high, a, b)):
        return "The indirect effect could not be estimated from these data."
    unit = "on the log-odds scale" if binary else "points"
    if ci_low > 0 or ci_high < 0:
        return (
            f"Part of the link between {short} and {outcome_label} runs through {mediator_label}: "
            f"people higher on {short} reported {'more' if a > 0 else 'less'} {mediator_label}, "
            f"and more {mediator_label} went with {'higher' if b > 0 else 'lower'} "
            f"{outcome_label}. This indirect path amounts to {fmt_num(estimate, 2)} {unit} of "
            f"{outcome_label} per point of {short}; re-analysing the data {n_boot:,} times put "
            f"it between {_range(ci_low, ci_high)}, a range that does not include zero, so it is "
            "unlikely to be chance. Surveys cannot show what comes first: read this as "
            "consistent with the idea, not as proof."
        )
    return (
        f"We could not show that the link between {short} and {outcome_label} runs through "
        f"{mediator_label}: the indirect path is {fmt_num(estimate, 2)} {unit}, and re-analysing "
        f"the data {n_boot:,} times put it between {_range(ci_low, ci_high)}, a range that "
        "includes zero (no effect). This does not prove that there is no such path; a larger "
        "sample may be needed to detect it."
    )


def plain_response_rates(rates: list[tuple[str, int, float, float]]) -> str:
    """The response rate of each file, from ``(file, responses, invited, rate)``."""
    parts = [
        f"{responses} of {invited:g} invited {_SUBJECT.get(file, file)} ({100 * rate:.0f}%)"
        for file, responses, invited, rate in rates
    ]
    return (
        "In plain words: "
        + "; ".join(parts)
        + " gave answers that could be analysed. Low response rates mean the results "
        "describe those who answered, who may differ from those who did not."
    )


def plain_reliability(title: str, alphas: list[float], scores: list[str]) -> str:
    """A scale whose scores all reach the alpha threshold."""
    return (
        f"In plain words: the items of {title} hang together "
        f"well (alpha {', '.join(fmt_r(a) for a in alphas)} for "
        f"{', '.join(scores)}); their scores can be used."
    )


def plain_row_accounting(files: list[tuple[str, int, int]], excluded: int) -> str:
    """Rows read and analysed per file, from ``(file, rows read, rows analysed)``."""
    return (
        "In plain words: "
        + "; ".join(
            f"{n_read} rows were read from the {name} file and {n} were analysed"
            for name, n_read, n in files
        )
        + (
            f". {excluded} rows were left out for the reasons listed (test responses, repeated "
            "submissions or answers given too fast to be genuine)."
            if excluded
            else ". No row was left out."
        )
    )
