"""Which address a request really comes from, for every per-client limit (the portal's rate limits, the staff
sign-in lockout). One rule for both, so a deployment behind a load balancer configures it once.

REMOTE_ADDR, unless it is a trusted proxy (CONGVU_TRUSTED_PROXIES: comma-separated addresses or networks, e.g.
"10.0.0.0/8"): then the nearest address in X-Forwarded-For that is not a trusted proxy itself. The entries further
left are whatever the client chose to write, so they are never believed: an attacker would send a new one with
every guess and never be counted.
"""

from __future__ import annotations

import ipaddress
import os

from django.conf import settings


def trusted_proxies() -> list:
    raw = getattr(settings, "CONGVU_TRUSTED_PROXIES", None)
    if raw is None:
        raw = os.environ.get("CONGVU_TRUSTED_PROXIES", "")
    if isinstance(raw, str):
        raw = raw.split(",")
    return [ipaddress.ip_network(item.strip(), strict=False) for item in raw if item and item.strip()]


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_ip(request):
    """The client's address as an ipaddress object, or None when REMOTE_ADDR is not an address at all."""
    address = _address(request.META.get("REMOTE_ADDR") or "")
    if address is None:
        return None
    proxies = trusted_proxies()
    if proxies and any(address in network for network in proxies):
        hops = [h for h in (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",") if h.strip()]
        for hop in reversed(hops):
            forwarded = _address(hop)
            if forwarded is None:
                break
            address = forwarded
            if not any(forwarded in network for network in proxies):
                break
    return address
