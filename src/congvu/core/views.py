from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from congvu.units.selectors import staff_profile_of, visible_units


def healthz(request):
    """Liveness for a load balancer: answers only when the database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def staff_home(request):
    profile = staff_profile_of(request.user)
    units = visible_units(request.user)
    return render(request, "congvu/staff_home.html", {
        "profile": profile,
        "visible_unit_count": units.count(),
    })
