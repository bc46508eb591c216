"""The demo's citizens' assembly: recruited, drawn to the quotas, replacements, sessions."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_demo_convention(client):
    from parlons.platform.assemblies.models import Assembly, Draw, Volunteer

    call_command("load_demo", verbosity=0)
    assembly = Assembly.objects.get(component__space__slug="convention-citoyenne")
    assert assembly.recipients.count() == 3_400
    assert assembly.recipients.filter(code__isnull=False).count() == 2_300
    assert assembly.volunteers.count() == 300
    assert assembly.volunteers.filter(channel="phone").exists()
    rounds = list(Draw.objects.filter(assembly=assembly))
    assert [d.round for d in rounds] == [1, 2] and rounds[0].min_probability > 0
    seated = list(assembly.volunteers.filter(status__in=["selected", "confirmed"]))
    assert len(seated) == 40
    assert assembly.volunteers.filter(status="declined").count() == 3
    for feature in assembly.features.prefetch_related("values"):
        for value in feature.values.all():
            count = sum(v.answers[feature.name] == value.value for v in seated)
            assert value.min <= count <= value.max, (feature.name, value.value)
    # volunteers lean older than the population, the panel does not
    pool_old = assembly.volunteers.filter(answers__Âge="60-74 ans").count() / 300
    panel_old = sum(v.answers["Âge"] == "60-74 ans" for v in seated) / 40
    assert pool_old > 0.25 >= panel_old  # 20.5 % of the population: 7 to 10 seats of 40
    assert assembly.sessions.count() == 2
    page = client.get(f"/participer/convention-citoyenne/c/{assembly.component_id}/"
                      "?v=composition")
    assert page.status_code == 200 and "Quartier" in page.content.decode()
    call_command("load_demo", verbosity=0)  # idempotent: the drawn assembly is kept
    assert Volunteer.objects.filter(assembly=assembly).count() == 300
    assert Draw.objects.filter(assembly=assembly).count() == 2
