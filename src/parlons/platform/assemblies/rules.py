"""Who may do what in a citizens' assembly (on top of ``spaces.rules``).

Organisers (space admins and organisation admins) see volunteers' personal data; agents
(organisation role) register volunteers by phone; everyone who can see the space sees the
anonymised composition and the published audit reports.
"""

from __future__ import annotations

from parlons.platform.spaces import rules as space_rules
from parlons.platform.spaces.models import Component


def can_organise(user, component: Component) -> bool:
    """Manage the campaign, quotas, draws, panel; see volunteers' personal data."""
    return (getattr(user, "is_authenticated", False)
            and space_rules.can_manage_space(user, component.space))


def can_register_by_phone(user, component: Component) -> bool:
    return (getattr(user, "is_authenticated", False)
            and space_rules.can_act_for_citizens(user, component.space))
