"""The journey dashboard: server-rendered pages whose charts are filled from the GraphQL API at /graphql.

    /                       personas at a glance, each with its top friction
    /personas/{code}        persona card and empathy map, journey map, friction -> competitor, affected customers
    /customers/{id}         a customer's twin: personas over time, journeys by experience, next steps and actions
    /stakeholders           the support x influence quadrant with owned frictions
    /search                 semantic feedback search
    /static/...             the page script, styles and the vendored ECharts (Apache-2.0, licence beside it)

Every asset is served by the app itself and the Content-Security-Policy forbids anything else, so the dashboard works
offline and makes no request outside the app.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

HERE = Path(__file__).resolve().parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
# ECharts writes style attributes on the SVG it draws, hence 'unsafe-inline' for styles only; scripts stay 'self'
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
                           "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
DEFAULT_CUSTOMER = "sydney"


def routes() -> list[BaseRoute]:
    """The dashboard's pages and its static files, to add to the API's Starlette app."""
    return [
        Route("/", home, name="dashboard-home"),
        Route("/personas/{code}", persona, name="dashboard-persona"),
        Route("/customers", customer_lookup, name="dashboard-customer-lookup"),
        Route("/customers/{customer_id:path}", customer, name="dashboard-customer"),  # an id may hold a '/'
        Route("/stakeholders", stakeholders, name="dashboard-stakeholders"),
        Route("/search", search, name="dashboard-search"),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]


def _page(request: Request, template: str, **context: object) -> Response:
    response = TEMPLATES.TemplateResponse(request, template, {"page": template.removesuffix(".html"), **context})
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def home(request: Request) -> Response:
    return _page(request, "home.html", title="Personas")


async def persona(request: Request) -> Response:
    code = request.path_params["code"]
    return _page(request, "persona.html", title=f"Persona {code}", code=code)


async def customer_lookup(request: Request) -> Response:
    wanted = (request.query_params.get("id") or DEFAULT_CUSTOMER).strip() or DEFAULT_CUSTOMER
    # a path on this server, never an absolute URL built from the Host header (an open redirect); quoted whole, so
    # a '/' in the id stays in the id
    return RedirectResponse(request.scope.get("root_path", "") + "/customers/" + quote(wanted, safe=""),
                            status_code=303)


async def customer(request: Request) -> Response:
    customer_id = request.path_params["customer_id"]
    return _page(request, "customer.html", title=f"Customer {customer_id}", customer_id=customer_id)


async def stakeholders(request: Request) -> Response:
    return _page(request, "stakeholders.html", title="Stakeholder map")


async def search(request: Request) -> Response:
    return _page(request, "search.html", title="Feedback search", query=request.query_params.get("q", ""))
