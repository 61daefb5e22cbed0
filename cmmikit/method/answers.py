"""The characterization a practice's questionnaire answers suggest, by ``data/answer_mapping.yaml``.

:func:`suggested_characterizations` turns the stored answers into a suggested characterization
per practice and instance, shown beside the assessors' own characterization and never written
over it.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import yaml

from cmmikit.errors import CmmikitError

if TYPE_CHECKING:
    import pandas as pd

    from cmmikit.store import Appraisal

DEFAULT_MAPPING = Path(__file__).resolve().parents[1] / "data" / "answer_mapping.yaml"
SUGGESTION_COLUMNS = ["pa", "goal", "practice", "instance", "characterization", "suggestion", "agrees", "n_answers",
                      "n_scored", "mean_score", "answers", "reason"]


class MappingError(CmmikitError):
    """The answer mapping file is missing or has a bad entry (the message names the key)."""


# ------------------------------------------------------------------ the answer mapping


@dataclass(frozen=True)
class Answer:
    label: str
    score: float | None
    means: str | None = None
    unknown: bool = False
    help: str = ""


@dataclass(frozen=True)
class AnswerMapping:
    answers: tuple[Answer, ...]
    thresholds: tuple[tuple[str, float], ...]
    minimum_scored: int = 1
    maximum_unknown_share: float = 0.5

    @property
    def labels(self) -> list[str]:
        return [a.label for a in self.answers]

    def answer(self, label: str) -> Answer | None:
        """The answer with this label, ignoring case and surrounding spaces."""
        wanted = label.strip().casefold()
        return next((a for a in self.answers if a.label.casefold() == wanted), None)


def load_answer_mapping(path: str | os.PathLike | None = None) -> AnswerMapping:
    """Read and check ``data/answer_mapping.yaml`` (or another mapping file)."""
    path = Path(path or DEFAULT_MAPPING)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise MappingError(f"{path}: expected a mapping with 'answers' and 'thresholds'")

    def bad(key: str, problem: str) -> MappingError:
        return MappingError(f"{path}: key {key!r}: {problem}")

    answers = []
    for n, item in enumerate(raw.get("answers") or [], 1):
        key = f"answers #{n}"
        if not isinstance(item, dict) or not str(item.get("label", "")).strip():
            raise bad(key, "each answer needs a label")
        unknown = set(item) - {"label", "score", "means", "unknown", "help"}
        if unknown:
            raise bad(key, f"unknown field(s) {sorted(unknown)}")
        score = item.get("score")
        if score is not None and (not isinstance(score, (int, float)) or not 0 <= score <= 1):
            raise bad(f"{key}.score", "must be a number from 0 to 1, or null (not counted)")
        if item.get("means") not in (None, "NY"):
            raise bad(f"{key}.means", "only NY is supported")
        if "," in str(item["label"]):
            raise bad(f"{key}.label", "labels cannot contain commas (they form the dropdown list)")
        answers.append(Answer(str(item["label"]).strip(), None if score is None else float(score), item.get("means"),
                              bool(item.get("unknown", False)), str(item.get("help", ""))))
    if not answers:
        raise bad("answers", "at least one answer is required")
    if len({a.label.casefold() for a in answers}) != len(answers):
        raise bad("answers", "labels must be unique")
    thresholds = []
    for n, item in enumerate(raw.get("thresholds") or [], 1):
        key = f"thresholds #{n}"
        if not isinstance(item, dict) or item.get("suggestion") not in ("FI", "LI", "PI", "NI"):
            raise bad(key, "suggestion must be FI, LI, PI or NI")
        if not isinstance(item.get("min_mean"), (int, float)):
            raise bad(f"{key}.min_mean", "must be a number")
        thresholds.append((item["suggestion"], float(item["min_mean"])))
    if not thresholds or thresholds[-1][1] > 0:
        raise bad("thresholds", "the last threshold must start at 0 so every mean gets a suggestion")
    if [t for _, t in thresholds] != sorted((t for _, t in thresholds), reverse=True):
        raise bad("thresholds", "list thresholds from the highest min_mean down")
    share = raw.get("maximum_unknown_share", 0.5)
    minimum = raw.get("minimum_scored", 1)
    if not isinstance(share, (int, float)) or not 0 <= share <= 1:
        raise bad("maximum_unknown_share", "must be a number from 0 to 1")
    if not isinstance(minimum, int) or minimum < 1:
        raise bad("minimum_scored", "must be a whole number of at least 1")
    return AnswerMapping(tuple(answers), tuple(thresholds), minimum, float(share))


@dataclass(frozen=True)
class Suggestion:
    value: str | None
    n_answers: int
    n_scored: int
    mean_score: float | None
    reason: str


def suggest(answers: Iterable[str], mapping: AnswerMapping) -> Suggestion:
    """The characterization a practice's answers suggest (rules in data/answer_mapping.yaml)."""
    given = [mapping.answer(a) for a in answers]
    given = [a for a in given if a is not None]
    n = len(given)
    scored = [a.score for a in given if a.score is not None]
    mean = sum(scored) / len(scored) if scored else None
    meaningful = [a for a in given if not a.unknown and (a.score is not None or a.means)]
    if meaningful and all(a.means == "NY" for a in meaningful):
        return Suggestion("NY", n, len(scored), mean, "every answer says the work has not reached this stage")
    unknown = sum(a.unknown for a in given)
    if n and unknown / n > mapping.maximum_unknown_share:
        return Suggestion(None, n, len(scored), mean, f"{unknown} of {n} answers are 'don't know'")
    if len(scored) < mapping.minimum_scored or mean is None:
        return Suggestion(None, n, len(scored), mean, f"too few answers that count ({len(scored)})")
    value = next(s for s, floor in mapping.thresholds if mean >= floor - 1e-9)
    return Suggestion(value, n, len(scored), mean, f"mean score {mean:.2f}")


def suggested_characterizations(appraisal: "Appraisal", mapping: AnswerMapping | None = None) -> "pd.DataFrame":
    """Per practice and instance with answers: the suggestion beside the assessors' characterization."""
    import pandas as pd

    mapping = mapping or load_answer_mapping()
    grouped: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for r in appraisal.responses():
        grouped[(r.pa, r.practice, r.instance)].append(r.answer)
    records = {(r.pa, r.practice, r.instance): r.characterization for r in appraisal.records()}
    order = {(p.pa, p.id): i for i, p in enumerate(appraisal.model.practices())}
    positions = {i.name: n for n, i in enumerate(appraisal.instances())}
    rows = []
    for (pa, practice, instance), answers in sorted(
            grouped.items(), key=lambda kv: (order.get(kv[0][:2], 0), positions.get(kv[0][2], 0))):
        s = suggest(answers, mapping)
        assessor = records.get((pa, practice, instance))
        counts = Counter(answers)
        rows.append({
            "pa": pa, "goal": appraisal.model.practice(pa, practice).goal, "practice": practice,
            "instance": instance, "characterization": assessor, "suggestion": s.value,
            "agrees": None if assessor is None or s.value is None else assessor == s.value,
            "n_answers": s.n_answers, "n_scored": s.n_scored, "mean_score": s.mean_score,
            "answers": ", ".join(f"{label} {counts[label]}" for label in mapping.labels if counts[label]),
            "reason": s.reason,
        })
    return pd.DataFrame(rows, columns=SUGGESTION_COLUMNS)
