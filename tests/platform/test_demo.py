"""The demo loads a realistic French city and can be loaded again without duplicates."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_realistic(client):
    from parlons.platform.accounts.models import User
    from parlons.platform.organisations.models import Area, Organisation
    from parlons.platform.spaces.models import Space
    from parlons.platform.spaces.selectors import current_phase

    call_command("load_demo", verbosity=0)
    counts = (User.objects.count(), Space.objects.count(), Area.objects.count())
    call_command("load_demo", verbosity=0)
    assert (User.objects.count(), Space.objects.count(), Area.objects.count()) == counts
    organisation = Organisation.objects.get(slug="montreval")
    assert sum(a.population for a in organisation.areas.all()) == pytest.approx(40_000, rel=0.1)
    assert User.objects.filter(email__endswith="@habitants.example").count() == 200
    square = Space.objects.get(slug="place-du-marche")
    budget = Space.objects.get(slug="budget-participatif-2026")
    assert current_phase(square).title == "Contributions"
    assert current_phase(budget).title == "Vote"
    home = client.get("/").content.decode()
    assert "Réaménagement de la place du Marché" in home and "Budget participatif 2026" in home
    assert client.login(email="admin@montreval.example", password="montreval-demo-2026")
    assert client.get("/gestion/").status_code == 200
