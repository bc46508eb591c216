"""Background tasks of the assemblies module."""

from __future__ import annotations

from celery import shared_task


@shared_task
def purge_expired_personal_data() -> list[int]:
    """Delete volunteers' personal data of every assembly past its retention date (run daily
    from Celery beat or cron: ``parlons manage purge_assembly_data``)."""
    from parlons.platform.assemblies.services import purge_expired

    return purge_expired()


@shared_task(acks_late=True)
def run_computation(assembly_id: int, actor_id: int, kind: str, value: str = "") -> str:
    """Simulate (``value`` = algorithm), draw or draw replacements (``value`` = seed) off the
    request; the permission is checked again by the service. Returns and records the error
    message shown to the organiser ("" when it went well)."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.utils.translation import gettext as _

    from parlons.platform.accounts.models import User
    from parlons.platform.assemblies import services
    from parlons.platform.assemblies.models import Assembly

    assembly = Assembly.objects.select_related("component__space__organisation").get(
        pk=assembly_id)
    actor = User.objects.get(pk=actor_id)
    message = ""
    try:
        if kind == "simulate":
            result = services.simulate(actor=actor, assembly=assembly, algorithm=value)
            Assembly.objects.filter(pk=assembly_id).update(simulation=result)
        elif kind == "draw":
            services.public_draw(actor=actor, assembly=assembly, seed=value)
        elif kind == "replace":
            services.replacement_draw(actor=actor, assembly=assembly, seed=value)
        else:
            raise ValueError(f"unknown computation {kind!r}")
    except ValidationError as error:
        message = " ".join(error.messages)
    except PermissionDenied:
        message = _("You may not do this.")
    Assembly.objects.filter(pk=assembly_id).update(task_message=message[:1000])
    return message
