from django.contrib import admin

from parlons.platform.spaces.models import Component, Phase, Space, SpaceRole

admin.site.register(Space)
admin.site.register(Phase)
admin.site.register(SpaceRole)
admin.site.register(Component)
