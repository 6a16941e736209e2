"""The dashboard page."""

from __future__ import annotations

from litestar import get
from litestar.response import Template

from inventory.assets.service import today
from inventory.dashboard import service
from inventory.web import render


@get("/")
async def dashboard() -> Template:
    on = today()
    coverage = await service.classroom_coverage()
    equipped, schools = service.coverage_summary(coverage)
    warranty_total, warranties = await service.warranties_ending(on)
    return render(
        "dashboard/index.html",
        counts=await service.site_category_counts(),
        end_of_life=await service.end_of_life_counts(on),
        warranty_total=warranty_total,
        warranties=warranties,
        coverage=coverage,
        equipped=equipped,
        schools=schools,
        year=on.year,
    )
