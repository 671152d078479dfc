"""Retrieval quality on a labelled query set: recall@1, recall@3 and MRR.

Why: the buyer and grader are only as good as what retrieval hands them; this number
must not drop silently when someone edits the knowledge or the chunking.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from coach.content.files import load_yaml_model
from coach.retrieval.index import KnowledgeIndex, rank_documents
from coach.config import PROJECT_ROOT

DEFAULT_QUERIES = PROJECT_ROOT / "evals" / "retrieval" / "queries.yaml"


class LabelledQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    text: str = Field(min_length=1)
    expected: str
    kind: Literal["value_proposition", "case_note"]
    title: str | None = None
    speaker: Literal["rep", "buyer"] = "rep"


class QuerySet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    queries: list[LabelledQuery] = Field(min_length=1)


class QueryResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    text: str
    expected: str
    ranked: list[str]
    rank: int | None  # 1-based, None when not in the top results


class RetrievalScores(BaseModel):
    model_config = ConfigDict(extra="forbid")
    queries: int
    recall_at_1: float
    recall_at_3: float
    mrr: float
    results: list[QueryResult]


def load_queries(path: Path) -> QuerySet:
    """The labelled queries, or ContentError naming the file, line and field."""
    return load_yaml_model(path, QuerySet)


def evaluate(store: KnowledgeIndex, query_set: QuerySet, depth: int = 12) -> RetrievalScores:
    """Rank documents for each query the way the product searches (kind and title filters)."""
    results = []
    for query in query_set.queries:
        hits = store.search(query.text, kind=query.kind, title=query.title, k=depth)
        ranked = rank_documents(hits)
        rank = ranked.index(query.expected) + 1 if query.expected in ranked else None
        results.append(QueryResult(id=query.id, text=query.text, expected=query.expected, ranked=ranked[:5],
                                   rank=rank))
    n = len(results)
    return RetrievalScores(
        queries=n,
        recall_at_1=sum(r.rank == 1 for r in results) / n,
        recall_at_3=sum(r.rank is not None and r.rank <= 3 for r in results) / n,
        mrr=sum(1 / r.rank for r in results if r.rank) / n,
        results=results,
    )
