"""One's own API tokens (/tokens): create one for a system that pulls results through the JSON
API (shown once), see when each was last used, revoke it. A token has exactly its owner's
rights; nobody sees or revokes another person's tokens here."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from portal import deps, tokens
from portal.accounts import AccountError
from portal.viewer import Viewer

router = APIRouter()


def _page(request: Request, person: Viewer, *, status_code: int = 200, **extra: object) -> Response:
    mine = tokens.list_tokens(deps.store(request), person.user_id)
    return deps.render(request, "tokens.html", status_code=status_code, tokens=mine, **extra)


@router.get("/tokens", include_in_schema=False)
def tokens_page(
    request: Request, person: Viewer = Depends(deps.viewer), done: str = ""
) -> Response:
    return _page(request, person, message="令牌已撤销。" if done == "revoked" else None)


@router.post("/tokens", include_in_schema=False)
def create_token(
    request: Request, person: Viewer = Depends(deps.csrf_form), name: str = Form("")
) -> Response:
    try:
        token = tokens.create_token(
            deps.store(request),
            person.user_id,
            name,
            by=person.login,
            address=deps.client_address(request),
        )
    except AccountError as refused:
        return _page(request, person, error=str(refused), status_code=400)
    return _page(request, person, new_token=token, new_name=name.strip())


@router.post("/tokens/{token_id}/revoke", include_in_schema=False)
def revoke_token(
    request: Request, token_id: int, person: Viewer = Depends(deps.csrf_form)
) -> Response:
    revoked = tokens.revoke_token(
        deps.store(request),
        person.user_id,
        token_id,
        by=person.login,
        address=deps.client_address(request),
    )
    if not revoked:  # not theirs, or gone: nothing said about whose it is
        return _page(request, person, error="没有这个令牌，或它已被撤销。", status_code=404)
    return RedirectResponse("/tokens?done=revoked", status_code=303)
