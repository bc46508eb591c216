"""Delete the volunteers' personal data of assemblies past their retention date."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from parlons.platform.assemblies.services import purge_expired


class Command(BaseCommand):
    help = "Delete the volunteers' personal data of assemblies past their retention date."

    def handle(self, *args, **options) -> None:
        purged = purge_expired()
        self.stdout.write(f"{len(purged)} assembly(ies) purged: {purged}")
