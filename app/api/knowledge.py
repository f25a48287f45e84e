"""Knowledge search over HTTP: the same hybrid search the agent and the chat use."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from app.api.deps import Reader
from app.api.errors import GUARDED
from knowledge.schema import Passage
from knowledge.search import Searcher

router = APIRouter(prefix="/v1/knowledge", tags=["knowledge"], responses=GUARDED)


async def get_searcher(request: Request) -> Searcher:
    return request.app.state.searcher


SearcherDep = Annotated[Searcher, Depends(get_searcher)]


@router.get("/search", response_model=list[Passage], summary="Search manuals and error-code tables")
def search(
    _: Reader,
    searcher: SearcherDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=2000,
            description="Question or symptom.",
            examples=["RCD keeps tripping when charging starts"],
        ),
    ],
    vendor: Annotated[str | None, Query(max_length=200, description="Charger vendor (as reported).")] = None,
    model: Annotated[str | None, Query(max_length=200, description="Charger model (as reported).")] = None,
    code: Annotated[list[str], Query(max_length=100, description="Error code(s), any spelling.")] = [],  # noqa: B006
    k: Annotated[int, Query(ge=1, le=50)] = 5,
) -> list[Passage]:
    """Passages best matching the question, scoped to the charger's vendor and model, with citations."""
    return searcher.search(q, vendor=vendor, model=model, codes=tuple(code), k=k)
