"""Every page names its icon and the icon is served (a missing one is a 404 on every load)."""

from __future__ import annotations

import re

import httpx


async def test_pages_link_the_icon_and_it_is_served(anon: httpx.AsyncClient) -> None:
    page = await anon.get("/login")
    assert page.status_code == 200
    [href] = re.findall(r'<link rel="icon" href="([^"]+)"', page.text)
    icon = await anon.get(href)
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")
    old_way = await anon.get("/favicon.ico")
    assert old_way.status_code == 308
    assert old_way.headers["location"] == href


async def test_the_portal_links_the_icon_too(anon: httpx.AsyncClient) -> None:
    page = await anon.get("/p/not-a-real-link")  # even its refusal page is a full page
    assert '<link rel="icon" href="/static/favicon.svg"' in page.text
