"""Open data: public, cacheable JSON and CSV of the procedure catalogue and of last month's per-unit indicators."""

from ninja import Router

router = Router(tags=["open data"])
