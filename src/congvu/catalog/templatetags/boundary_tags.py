"""The catalogue's marker of procedures received regardless of administrative boundary (Decree 118/2025)."""

from django import template

from congvu.catalog import boundary

register = template.Library()


@register.simple_tag
def boundary_free_index(versions_or_procedures) -> dict:
    """{procedure id: listings in force today} for a page of versions (or procedures), in one query."""
    ids = [getattr(item, "procedure_id", None) or getattr(item, "pk", None) for item in versions_or_procedures]
    return boundary.listings_by_procedure(ids)


@register.filter
def boundary_free_listings(index: dict, item) -> list:
    """The listings of a version's (or a procedure's) procedure in an index made by `boundary_free_index`."""
    if not index:
        return []
    return index.get(getattr(item, "procedure_id", None) or getattr(item, "pk", None), [])


@register.simple_tag
def boundary_free_of(procedure) -> list:
    """The listings of one procedure in force today (a procedure's page)."""
    return boundary.listings_by_procedure([procedure.pk]).get(procedure.pk, []) if procedure is not None else []
