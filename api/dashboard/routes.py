"""The journey dashboard: server-rendered pages whose charts are filled from the GraphQL API at /graphql.

    /                       personas at a glance, each with its top friction
    /personas/{code}        persona card and empathy map, journey map, friction -> competitor, affected customers
    /customers              the customers, a page at a time (?id=… opens one)
    /customers/{id}         a customer's twin: personas over time, journeys by experience, next steps and actions
    /stakeholders           the support x influence quadrant with owned frictions
    /funnel                 a funnel: steps as bars with conversion, persona breakdown, frictions under each drop
    /retention              retention cohorts as a heat map
    /paths                  paths from and to a step (each funnel step links here)
    /search                 semantic feedback search
    /static/...             the page script, styles and the vendored ECharts (Apache-2.0, licence beside it)

Every asset is served by the app itself and the Content-Security-Policy forbids anything else, so the dashboard works
offline and makes no request outside the app.

With API keys, the pages ask for one (kept in the browser's session storage and sent as a bearer header by the page
script, never in a cookie, a URL or a log). An unknown customer or persona is a not-found page: a 404 at once when
the server is open or the request carries a valid key; otherwise (a browser's navigation carries no key) the page
shows not-found after its data call, so nobody without a key can tell which ids exist.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from api.auth import CALLER_KEY, READERS, Caller
from api.context import AppState
from graph import reads
from graph.store import GraphStore

HERE = Path(__file__).resolve().parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
# ECharts writes style attributes on the SVG it draws, hence 'unsafe-inline' for styles only; scripts stay 'self'
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
                           "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def routes() -> list[BaseRoute]:
    """The dashboard's pages and its static files, to add to the API's Starlette app."""
    return [
        Route("/", home, name="dashboard-home"),
        Route("/personas/{code}", persona, name="dashboard-persona"),
        Route("/customers", customers, name="dashboard-customers"),
        Route("/customers/{customer_id:path}", customer, name="dashboard-customer"),  # an id may hold a '/'
        Route("/stakeholders", stakeholders, name="dashboard-stakeholders"),
        Route("/search", search, name="dashboard-search"),
        Route("/funnel", funnel, name="dashboard-funnel"),
        Route("/retention", retention, name="dashboard-retention"),
        Route("/paths", paths, name="dashboard-paths"),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]


def _page(request: Request, template: str, status_code: int = 200, **context: object) -> Response:
    response = TEMPLATES.TemplateResponse(request, template, {"page": template.removesuffix(".html"), **context},
                                          status_code=status_code)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def home(request: Request) -> Response:
    return _page(request, "home.html", title="Personas")


async def persona(request: Request) -> Response:
    code = request.path_params["code"]
    return await _page_of(request, "persona", code, reads.personas_by_codes, code=code)


async def customers(request: Request) -> Response:
    wanted = (request.query_params.get("id") or "").strip()
    if wanted:
        # a path on this server, never an absolute URL built from the Host header (an open redirect); quoted whole,
        # so a '/' in the id stays in the id
        return RedirectResponse(request.scope.get("root_path", "") + "/customers/" + quote(wanted, safe=""),
                                status_code=303)
    return _page(request, "customers.html", title="Customers")


async def customer(request: Request) -> Response:
    customer_id = request.path_params["customer_id"]
    return await _page_of(request, "customer", customer_id, reads.customers_by_ids, customer_id=customer_id)


async def _page_of(request: Request, kind: str, key: str,
                   lookup: Callable[[GraphStore, Sequence[str]], Mapping[str, object]], **context: object) -> Response:
    """The page of one persona or customer (`kind.html`), or the not-found page when it is known to be absent."""
    if await _known_absent(request, lookup, key):
        return _not_found(request, kind, key)
    return _page(request, f"{kind}.html", 200, title=f"{kind.capitalize()} {key}", **context)


async def _known_absent(request: Request, lookup: Callable[[GraphStore, Sequence[str]], Mapping[str, object]],
                        key: str) -> bool:
    """True when the caller may read the twin (open server, or a valid key sent) and `key` is not there. Without a
    key the answer is always False: the page is served and its data call tells, so ids cannot be probed."""
    caller: Caller | None = request.scope.get(CALLER_KEY)
    if caller is None or not caller.may(READERS):
        return False
    state: AppState = request.app.state.twin
    return key not in await run_in_threadpool(lookup, state.store, [key])


def _not_found(request: Request, kind: str, key: str) -> Response:
    return _page(request, "not_found.html", status_code=404, title="Not found", kind=kind, key=key)


async def stakeholders(request: Request) -> Response:
    return _page(request, "stakeholders.html", title="Stakeholder map")


async def search(request: Request) -> Response:
    return _page(request, "search.html", title="Feedback search", query=request.query_params.get("q", ""))


async def funnel(request: Request) -> Response:
    return _page(request, "funnel.html", title="Funnel")


async def retention(request: Request) -> Response:
    return _page(request, "retention.html", title="Retention")


async def paths(request: Request) -> Response:
    return _page(request, "paths.html", title="Journey paths")
