"""GraphiQL at `/graphql` in a browser, served entirely by the twin: the page and its assets (React, ReactDOM and the
GraphiQL UMD build from npm, licences beside them in `static/vendor/`) come from this package, and the page's
Content-Security-Policy allows nothing else, so the IDE works offline.

    page()      the HTML response strawberry's view answers a browser's GET /graphql with
    assets()    the Starlette mount for /graphql-ide/… (not under /graphql, so it needs no key)
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

HERE = Path(__file__).resolve().parent
ASSETS_PATH = "/graphql-ide"
# GraphiQL sets style attributes and its CSS embeds its fonts as data: URIs; scripts stay 'self'. connect-src 'self'
# covers the same-origin WebSocket of subscriptions.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
                           "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


@cache
def _html() -> str:
    return (HERE / "page.html").read_text(encoding="utf-8")


def page() -> HTMLResponse:
    return HTMLResponse(_html(), headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY,
                                          "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})


def assets() -> Mount:
    return Mount(ASSETS_PATH, app=StaticFiles(directory=str(HERE / "static")), name="graphql-ide")
