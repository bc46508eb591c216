from django.contrib import admin

from parlons.platform.organisations.models import Area, Organisation, OrganisationRole, Theme

admin.site.register(Organisation)
admin.site.register(OrganisationRole)
admin.site.register(Area)
admin.site.register(Theme)
