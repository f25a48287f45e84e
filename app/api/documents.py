"""The console's document viewer: the cited page of a manual, and the file itself.

``/documents/{source}?page=N`` shows page N's text (PDF) or the whole document (Markdown, CSV,
TSV) with the cited passage marked; ``/documents/{source}/raw#page=N`` is the file, for the
browser's own PDF viewer. Only documents the knowledge store holds are served (see
:class:`~app.console.documents.DocumentLibrary`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse
from starlette.responses import Response

from app.api.deps import EngineDep
from app.console import documents
from app.console.documents import DocumentLibrary
from app.console.pages import not_found, page
from app.console.session import User

router = APIRouter(include_in_schema=False)


async def get_library(request: Request) -> DocumentLibrary:
    return DocumentLibrary(request.app.state.settings.corpus_dirs, request.app.state.searcher.store)


Library = Annotated[DocumentLibrary, Depends(get_library)]


@router.get("/documents/{source:path}/raw")
def raw(request: Request, source: str, user: User, library: Library, engine: EngineDep) -> Response:
    document = library.find(source)
    if document is None:
        return not_found(request, user, engine, f"No document {source!r} is in the knowledge base.")
    return FileResponse(
        document.path,
        media_type=document.media_type,
        content_disposition_type="inline",
        filename=document.path.name,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"},
    )


@router.get("/documents/{source:path}")
def viewer(
    request: Request,
    source: str,
    user: User,
    library: Library,
    engine: EngineDep,
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
    hl: Annotated[str, Query(max_length=500, description="The cited snippet, to mark.")] = "",
    section: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    document = library.find(source)
    if document is None:
        return not_found(request, user, engine, f"No document {source!r} is in the knowledge base.")
    pages = documents.page_count(document)
    if page_number > pages:
        plural = "s" if pages != 1 else ""
        message = f"{document.title} has {pages} page{plural}; there is no page {page_number}."
        return not_found(request, user, engine, message)
    if document.paged:
        passages = documents.pdf_page(document, page_number, hl)
    else:
        passages = documents.text_passages(document, hl, section)
    context = {
        "document": document,
        "page_number": page_number,
        "pages": pages,
        "passages": passages,
        "hl": hl,
        "nav": "",
    }
    return page(request, user, engine, "document.html", context)
