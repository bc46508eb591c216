from django.core.management.base import BaseCommand

from parlons.platform.web import demo


class Command(BaseCommand):
    help = "Load (or refresh) the French demo: the city of Montreval. Safe to run again."

    def handle(self, *args, **options):
        result = demo.load()
        out = self.stdout
        out.write(self.style.SUCCESS(
            f"Demo ready: {result['organisation']} with {result['citizens']} citizens."))
        out.write(f"Every demo account uses the password: {demo.DEMO_PASSWORD}")
        for email, role in result["logins"]:
            out.write(f"  {role:<16} {email}")
