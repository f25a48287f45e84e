"""Knowledge over HTTP: the same hybrid search the agent and the chat use, and what ingest
understood — the code entries read from every document and each document's coverage — so an
operator can check that a new manual was understood before trusting decisions on it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from app.api.deps import Reader
from app.api.errors import GUARDED
from knowledge.listing import (
    DocumentCoverage,
    ListedEntry,
    Selection,
    UnknownName,
    list_entries,
    select,
    store_coverage,
)
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


class EntryPage(BaseModel):
    """One page of the code entries matching the query."""

    total: int = Field(description="Entries matching the query, over all pages.")
    limit: int
    offset: int
    items: list[ListedEntry]


VendorQuery = Annotated[
    str | None, Query(max_length=200, description="Corpus vendor id, or the vendor name a charger reports.")
]
ModelQuery = Annotated[
    str | None, Query(max_length=200, description="Corpus model id, or the model name a charger reports.")
]


def _selection(searcher: Searcher, vendor: str | None, model: str | None, code: str | None) -> Selection:
    """The listing's selection; 422 naming the parameter for a vendor or model nobody knows."""
    try:
        return select(searcher.store.catalog(), vendor=vendor, model=model, code=code)
    except UnknownName as exc:
        error = {"loc": ("query", exc.field), "msg": str(exc), "type": "value_error"}
        raise RequestValidationError([error]) from None


@router.get("/codes", response_model=EntryPage, summary="List the code entries ingest understood")
def codes(
    _: Reader,
    searcher: SearcherDep,
    vendor: VendorQuery = None,
    model: ModelQuery = None,
    code: Annotated[
        str | None, Query(max_length=100, description="A code in any spelling (E-06, 6, 0x1A).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> EntryPage:
    """Every code entry read from the documents (code and aliases, title, meaning, causes, ordered
    steps with remote/on-site, safety/severity/category/responsible/OCPP flags, layout) with its
    citation; a row split over several passages is listed once."""
    listed = list_entries(searcher.store, _selection(searcher, vendor, model, code))
    return EntryPage(total=len(listed), limit=limit, offset=offset, items=listed[offset : offset + limit])


@router.get(
    "/coverage", response_model=list[DocumentCoverage], summary="What ingest understood, per document"
)
def document_coverage(
    _: Reader, searcher: SearcherDep, vendor: VendorQuery = None, model: ModelQuery = None
) -> list[DocumentCoverage]:
    """Per document (every one in the store, those without entries too): code entries read, how
    many have a title and a remedy, and per field how many entries have it."""
    return store_coverage(searcher.store, _selection(searcher, vendor, model, None))
