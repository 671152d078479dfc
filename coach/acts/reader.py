"""Reads sentences as acts with a classifier built from the banks, cached until the bank changes.

Why a reader object: building means embedding a few thousand sentences (seconds), so it
happens once per bank version: the fitted arrays are kept in `<data dir>/cache/acts/`, named by
a fingerprint of the bank, the embedding model and the settings; any change rebuilds them. The
cache is per user (`$XDG_CACHE_HOME/exec-call-coach/acts`), shared by every data folder: a team's own
sentences are part of the fingerprint.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from coach.acts import model as linear
from coach.acts.bank import Example, bank_files, fingerprint, load_split, user_bank_file
from coach.acts.question_mark import QuestionMarkSettings, punctuate, training_pairs
from coach.acts.types import ACTS, ATTRIBUTES, BUYER_ACTS, SentenceAct, Side
from coach.errors import CoachError
from coach.retrieval.embeddings import MiniLMEmbedder

log = logging.getLogger("coach.acts")


class SideSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    model: linear.ModelSettings
    confident: float = Field(ge=0, le=1)   # below this a reading is unsure: it has a smaller effect
    confident_for: dict[str, float] = {}  # acts that cap a grade need more certainty than the rest
    # acts whose probability adds to an act's when judging how sure its reading is, because the buyer
    # reacts the same way ("our connector is prebuilt": feature or claim, product talk either way)
    counts_with: dict[str, list[str]] = {}
    # how sure a reading must be to count in a reply that also agrees a next step ("Set it up with my
    # assistant. Thursday or Friday." agrees; the first sentence alone reads like a hand-off)
    beside_agreement: dict[str, float] = {}
    # rep side: a sentence typed without its end mark is read as a question when this model is sure
    question_mark: QuestionMarkSettings | None = None

    def family_of(self, act: str) -> list[str]:
        """`act` and the acts whose probabilities add to it."""
        return [act, *self.counts_with.get(act, [])]

    def threshold(self, act: str) -> float:
        """How sure a reading of `act` must be to count."""
        return self.confident_for.get(act, self.confident)


class ActSettings(BaseModel):
    """`coach/data/acts.yaml`: how each side's classifier is built and when a reading counts as sure."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rep: SideSettings
    buyer: SideSettings
    topic: SideSettings

    @model_validator(mode="after")
    def _known_acts(self) -> ActSettings:
        for side in ("rep", "buyer", "topic"):
            chosen = getattr(self, side)
            named = set(chosen.confident_for) | set(chosen.counts_with) | {a for f in chosen.counts_with.values() for a in f} \
                | set(chosen.beside_agreement)
            unknown = named - set(ACTS[side])
            if unknown:
                raise ValueError(f"{side} names unknown acts: {', '.join(sorted(unknown))}")
        return self


KEPT_BUILDS = 4  # per side, in the shared cache folder


@lru_cache(maxsize=1)
def load_act_settings() -> ActSettings:
    """The shipped act settings."""
    text = resources.files("coach.data").joinpath("acts.yaml").read_text(encoding="utf-8")
    return ActSettings.model_validate(yaml.safe_load(text))


def acts_cache_dir() -> Path:
    """Where fitted act models are kept (safe to delete: they are rebuilt from the banks)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "exec-call-coach" / "acts"


class ActReader:
    """One side's classifier (rep or buyer), built lazily and thread-safely."""

    def __init__(self, side: Side, embedder: MiniLMEmbedder, data_dir: Path | None = None,
                 bank_dir: Path | None = None, settings: SideSettings | None = None,
                 cache_dir: Path | None = None) -> None:
        self.side = side
        self.embedder = embedder
        self.data_dir = data_dir  # holds the team's own sentences (`coach acts add`)
        self.bank_dir = bank_dir
        self.cache_dir = cache_dir or acts_cache_dir()
        self.settings = settings or getattr(load_act_settings(), side)
        self._models: dict[str, linear.LinearModel] | None = None
        self._lock = threading.Lock()
        self.build_seconds: float | None = None  # set when this reader built (not loaded) its model
        self._context: ActReader | None = None

    @property
    def uses_context(self) -> bool:
        """Rep sentences are read with what the buyer had just said, when the settings weigh it."""
        return self.side == "rep" and self.settings.model.context_weight > 0

    def context_reader(self) -> ActReader:
        """The buyer-side reader that reads what the buyer had just said (from the same banks)."""
        if self._context is None:
            self._context = shared_reader("buyer", self.embedder, self.data_dir) if self.bank_dir is None else \
                ActReader("buyer", self.embedder, self.data_dir, self.bank_dir, cache_dir=self.cache_dir)
        return self._context

    def context_rows(self, after: Sequence[str | None]) -> np.ndarray:
        """One row per sentence: the buyer-act probabilities of what the buyer said just before it
        (zeros where nothing is known: a single sentence, or the first turn after the opening)."""
        rows = np.zeros((len(after), len(BUYER_ACTS)), dtype=np.float32)
        said = sorted({a for a in after if a})
        if not said:
            return rows
        read = dict(zip(said, self.context_reader().read(said), strict=True))
        for i, text in enumerate(after):
            if text:
                rows[i] = [read[text].probabilities.get(act, 0.0) for act in BUYER_ACTS]
        return rows

    @property
    def confident(self) -> float:
        return self.settings.confident

    def training_examples(self) -> list[Example]:
        """The training split plus the team's own sentences."""
        return load_split(self.side, "train", self.bank_dir, self._team_files())

    def _team_files(self) -> list[Path]:
        return [user_bank_file(self.data_dir, self.side)] if self.data_dir else []

    def cache_file(self) -> Path:
        """Where the model built from the current banks and settings is kept."""
        files = [*bank_files(self.side, "train", self.bank_dir), *self._team_files()]
        context = self.context_reader().cache_file().name if self.uses_context else ""
        marks = self.settings.question_mark.model_dump_json() if self.settings.question_mark else ""
        key = fingerprint(files, self.embedder.model_id, self.settings.model.model_dump_json(), marks,
                          str(linear.WORD_FEATURES), linear.FEATURIZER, context, ",".join(ATTRIBUTES))
        return self.cache_dir / f"{self.side}-{key}.npz"

    def models(self, progress: Callable[[str], None] | None = None) -> dict[str, linear.LinearModel]:
        """The fitted models, loaded from the cache or built now."""
        with self._lock:
            if self._models is None:
                cache = self.cache_file()
                if cache.exists():
                    try:
                        self._models = linear.load(cache)
                        os.utime(cache)  # recently used: kept when older builds are cleared
                    except (OSError, ValueError, KeyError) as exc:
                        log.warning("act model cache %s unreadable (%s); rebuilding", cache, exc)
                if self._models is None:
                    self._models = self._build(self.training_examples(), progress)
                    try:
                        linear.save(cache, self._models)
                    except OSError as exc:
                        log.warning("could not cache the act model in %s: %s", cache, exc)
                    self._clear_old_builds(keep=cache)
            return self._models

    def _clear_old_builds(self, keep: Path) -> None:
        """Each bank change leaves a build behind; keep the few used most recently (other data
        folders may still use theirs) and remove the rest."""
        try:
            builds = sorted(self.cache_dir.glob(f"{self.side}-*.npz"), key=lambda f: f.stat().st_mtime, reverse=True)
            for old in [f for f in builds if f != keep][KEPT_BUILDS - 1:]:
                old.unlink(missing_ok=True)
        except OSError as exc:  # another process may be clearing too; nothing depends on it
            log.debug("could not clear old act model builds in %s: %s", self.cache_dir, exc)

    def _build(self, examples: Sequence[Example], progress: Callable[[str], None] | None) -> dict[str, linear.LinearModel]:
        if len({e.act for e in examples}) < 2:
            raise CoachError(f"The {self.side} sentence bank has too few labelled sentences to learn from "
                             f"({len(examples)})", "reinstall the package (the shipped banks are in coach/data/acts/)")
        started = time.perf_counter()
        if progress:
            progress(f"Learning {self.side} acts from {len(examples)} labelled sentences…")
        texts = [e.text for e in examples]
        context = self.context_rows([e.after for e in examples]) if self.uses_context else None
        x = linear.features(self.embedder.embed(texts), texts, self.settings.model, context)
        built = {"act": linear.fit(x, [e.act for e in examples], self.settings.model)}
        for name in ATTRIBUTES:  # a yes/no head beside the act model, learned where the bank labels it
            labelled = [i for i, e in enumerate(examples) if getattr(e, name) is not None]
            if len({getattr(examples[i], name) for i in labelled}) == 2:
                built[name] = linear.fit(x[labelled], ["yes" if getattr(examples[i], name) else "no" for i in labelled],
                                         self.settings.model)
        if self.settings.question_mark is not None:  # learned from the same sentences, end marks stripped
            unmarked, asked = training_pairs(texts)
            model = self.settings.question_mark.model
            built["question_mark"] = linear.fit(linear.features(self.embedder.embed(unmarked), unmarked, model),
                                                asked, model)
        self.build_seconds = time.perf_counter() - started
        log.info("built the %s act model from %d sentences in %.1f s", self.side, len(examples), self.build_seconds)
        return built

    def read(self, sentences: Sequence[str], after: Sequence[str | None] | None = None) -> list[SentenceAct]:
        """Each sentence's act with its probability and runner-up; `after`, one per sentence, is what
        the buyer had just said (None: unknown), which a rep reader weighs when its settings say so."""
        if not sentences:
            return []
        models = self.models()
        vectors, settings = self.embedder.embed(list(sentences)), self.settings.model
        context = self.context_rows(after) if self.uses_context and after is not None else None
        words = [linear.terms(text) for text in sentences] if settings.word_weight else None  # once for every model
        read = dict(word_weight=settings.word_weight, context=context, context_weight=settings.context_weight,
                    words=words)
        act_model = models["act"]
        probabilities = act_model.read(vectors, sentences, **read)
        order = np.argsort(-probabilities, axis=1, kind="stable")  # best first, per sentence
        acts = [act_model.classes[int(best)] for best in order[:, 0]]
        heads = {name: self._head(models[name], [row for row, act in enumerate(acts) if act == ATTRIBUTES[name]],
                                  vectors, sentences, words, context)
                 for name in ATTRIBUTES if name in models}
        readings = []
        for row, text in enumerate(sentences):
            act, best = acts[row], int(order[row, 0])
            second = int(order[row, 1]) if order.shape[1] > 1 else None
            family = sum(float(probabilities[row, act_model.classes.index(a)])
                         for a in self.settings.family_of(act) if a in act_model.classes)
            readings.append(SentenceAct(
                text=text, act=act, confidence=round(float(probabilities[row, best]), 4),
                sure=family >= self.settings.threshold(act),
                runner_up=act_model.classes[second] if second is not None else None,
                runner_up_confidence=round(float(probabilities[row, second]), 4) if second is not None else 0.0,
                **{name: yes[row] for name, yes in heads.items() if row in yes},
                probabilities={c: float(p) for c, p in zip(act_model.classes, probabilities[row], strict=True)}))
        return readings

    def _head(self, model: linear.LinearModel, rows: list[int], vectors: np.ndarray, sentences: Sequence[str],
              words: list[tuple[np.ndarray, np.ndarray]] | None, context: np.ndarray | None) -> dict[int, float]:
        """A yes/no head's "yes" probability for the rows read as its act only (most sentences are not)."""
        if not rows:
            return {}
        settings = self.settings.model
        yes = model.read(vectors[rows], [sentences[r] for r in rows], settings.word_weight,
                         context[rows] if context is not None else None, settings.context_weight,
                         [words[r] for r in rows] if words is not None else None)[:, model.classes.index("yes")]
        return {row: round(float(p), 4) for row, p in zip(rows, yes, strict=True)}

    def asks(self, sentences: Sequence[str]) -> list[float]:
        """How likely each sentence, typed without an end mark, asks something (0 without the model)."""
        model, settings = self.models().get("question_mark"), self.settings.question_mark
        if model is None or settings is None or not sentences:
            return [0.0] * len(sentences)
        read = model.read(self.embedder.embed(list(sentences)), sentences, settings.model.word_weight)
        return read[:, model.classes.index("asks")].tolist()

    def punctuated(self, text: str) -> str:
        """The rep's text with the question marks it was typed without (`coach.acts.question_mark`)."""
        settings = self.settings.question_mark
        return punctuate(text, self.asks, settings.above) if settings is not None else text

    def read_turns(self, turns: Sequence[Sequence[str]], after: Sequence[str | None] | None = None
                   ) -> list[list[SentenceAct]]:
        """`read` for several turns' sentences in one pass, grouped back by turn; `after`, one per turn,
        is what the buyer had just said before it (None: unknown)."""
        context = [a for turn, a in zip(turns, after, strict=True) for _ in turn] if after is not None else None
        flat = self.read([sentence for turn in turns for sentence in turn], context)
        out, at = [], 0
        for turn in turns:
            out.append(flat[at:at + len(turn)])
            at += len(turn)
        return out


_readers: dict[tuple[Side, str], ActReader] = {}
_readers_lock = threading.Lock()


def shared_reader(side: Side, embedder: MiniLMEmbedder, data_dir: Path | None) -> ActReader:
    """One reader per side and data folder per process (the model is built or loaded once)."""
    key = (side, str(data_dir))
    with _readers_lock:
        if key not in _readers:
            _readers[key] = ActReader(side, embedder, data_dir)
        return _readers[key]


def default_reader(side: Side, data_dir: Path | None = None) -> ActReader:
    """The process's reader for `side`, with the team's sentences from `data_dir` (default: the
    configured data folder; a caller that already holds settings passes it, reading them costs ~3 ms)."""
    from coach.config import load_settings
    from coach.errors import ConfigError
    from coach.retrieval.embeddings import shared_embedder

    if data_dir is None:
        try:
            data_dir = load_settings().data_dir
        except ConfigError:
            data_dir = None  # a bad setting is reported by whatever uses it; the shipped banks still work
    return shared_reader(side, shared_embedder(), data_dir)
