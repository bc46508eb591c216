"""Notifications name one of the known kinds (the list shown to people and in exports)."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_an_unknown_notification_kind_is_a_programming_error(organisation, make_user):
    from parlons.platform.proposals.models import Notification
    from parlons.platform.proposals.services import notify

    person = make_user("quelquun@example.org")
    with pytest.raises(ValueError, match="unknown notification kind"):
        notify(person, organisation, "carrier-pigeon", "Hello", {})
    assert not Notification.objects.exists()
    assert notify(person, organisation, "budget", "Hello", {}).kind == "budget"
