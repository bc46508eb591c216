"""Fixtures: a proposals component in the "Contributions" phase of the process."""

from __future__ import annotations

import pytest


@pytest.fixture
def component(process):
    from parlons.platform.spaces.models import Component, ComponentStep

    comp = Component.objects.create(space=process, kind="proposals", title="Vos idées",
                                    is_published=True)
    for phase in process.phases.all():
        actions = ["create", "comment", "support"] if phase.title == "Contributions" else []
        ComponentStep.objects.create(component=comp, phase=phase, actions=actions)
    return comp


@pytest.fixture
def theme(organisation):
    from parlons.platform.organisations.models import Theme

    return Theme.objects.create(organisation=organisation, name="Nature en ville",
                                slug="nature")


@pytest.fixture
def area(organisation):
    from parlons.platform.organisations.models import Area

    return Area.objects.create(organisation=organisation, name="Centre", slug="centre")


@pytest.fixture
def publish(component):
    """Create and publish a proposal by ``author``."""
    from parlons.platform.proposals import services

    def make(author, title="Planter des arbres sur la place", body=None, **extra):
        body = body or "<p>Des platanes pour faire de l'ombre en été sur la place.</p>"
        proposal = services.create_proposal(actor=author, component=component, title=title,
                                            body=body, **extra)
        return services.publish_proposal(actor=author, proposal=proposal)

    return make
