from parlons.platform.organisations.rules import is_organisation_staff


def organisation(request):
    org = getattr(request, "organisation", None)
    user = getattr(request, "user", None)
    return {
        "organisation": org,
        "is_staff_of_organisation": bool(org and user and is_organisation_staff(user, org)),
    }
