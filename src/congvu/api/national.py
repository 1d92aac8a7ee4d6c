"""Inbound API for the province's integration gateway: dossiers filed on the national portal."""

from ninja import Router

router = Router(tags=["national portal"])
