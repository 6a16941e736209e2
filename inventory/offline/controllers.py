"""The installable app's files (web manifest, service worker) and the offline pages: what a
phone keeps of a site, and the actions waiting to be sent."""

from __future__ import annotations

import hashlib

from litestar import Request, Response, get
from litestar.params import FromPath
from litestar.response import Template

from inventory.accounts import permissions as p
from inventory.core.i18n import _
from inventory.offline import rules, service
from inventory.web.pages import render
from inventory.web.static import catalog, static_url

THEME = "#1b4f8a"


@get("/sw.js", permission=p.PUBLIC, include_in_schema=False)
async def service_worker() -> Response:
    """The service worker, at the root so that it may answer for every page; the browser
    asks for it again at each visit (no-cache), and its vendored helpers by content name."""
    source = catalog().by_name["sw.js"].body.decode()
    source = (source.replace("__IDB_URL__", static_url("vendor/idb.umd.js"))
              .replace("__STORE_URL__", static_url("offline-store.js")))
    version = hashlib.sha256(source.encode()).hexdigest()[:10]
    return Response(source.replace("__VERSION__", version).encode(),
                    media_type="text/javascript; charset=utf-8",
                    headers={"cache-control": "no-cache", "service-worker-allowed": "/"})


@get("/manifest.webmanifest", permission=p.PUBLIC, include_in_schema=False)
async def web_manifest() -> Response:
    icons = [{"src": static_url("icon-192.png"), "sizes": "192x192", "type": "image/png"},
             {"src": static_url("icon-512.png"), "sizes": "512x512", "type": "image/png"},
             {"src": static_url("icon-maskable-512.png"), "sizes": "512x512",
              "type": "image/png", "purpose": "maskable"},
             {"src": static_url("icon.svg"), "sizes": "any", "type": "image/svg+xml"}]
    body = {"name": _("Equipment inventory"), "short_name": _("Inventory"),
            "description": _("Equipment inventory of schools and public buildings"),
            "start_url": "/", "scope": "/", "display": "standalone",
            "background_color": "#ffffff", "theme_color": THEME, "icons": icons}
    return Response(body, media_type="application/manifest+json",
                    headers={"cache-control": "public, max-age=300"})


@get("/sites/{code:str}/offline", permission=p.ASSET_SEEN)
async def site_kept(request: Request, code: FromPath[str]) -> Response:
    """What "take this site offline" keeps: the pages to fetch, the static files they use,
    and each device as the phone sees it now (its version)."""
    kept = await service.kept_site(code, request.user.scope)
    kept["static"] = [static_url(name) for name in rules.STATIC_FILES]
    return Response(kept, headers={"cache-control": "no-store"})


@get("/offline", permission=p.SIGNED_IN)
async def waiting(request: Request) -> Template:
    """The actions kept on this phone and waiting to be sent (drawn by offline.js from the
    phone's own store), the conflicts to settle, the sites kept."""
    return render("offline/queue.html")


offline_routes = [service_worker, web_manifest, site_kept, waiting]
