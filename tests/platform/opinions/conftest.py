"""An opinions component in the "place du Marché" process: vote and submit open now."""

from __future__ import annotations

import pytest


@pytest.fixture
def opinions(process):
    from parlons.platform.opinions.models import Statement
    from parlons.platform.spaces.models import Component, ComponentStep

    component = Component.objects.create(space=process, kind="opinions", title="Vos avis",
                                         is_published=True, settings={"recompute_every": 50})
    current = process.phases.get(title="Contributions")
    ComponentStep.objects.create(component=component, phase=current,
                                 actions=["vote", "submit_statement"])
    for text in ("Plus d'arbres sur la place.", "Moins de voitures.",
                 "Garder le marché du samedi."):
        Statement.objects.create(component=component, text=text, is_seed=True,
                                 state=Statement.State.ACCEPTED)
    return component


@pytest.fixture
def opinions_url(opinions):
    return f"/participer/{opinions.space.slug}/c/{opinions.pk}/"
