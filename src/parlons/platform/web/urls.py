from django.urls import path

from parlons.platform.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("theme.css", views.theme_css, name="theme_css"),
    path("participer/", views.space_list, name="space_list"),
    path("participer/<slug:slug>/", views.space_detail, name="space_detail"),
    path("participer/<slug:slug>/c/<int:component_id>/", views.component_detail,
         name="component_detail"),
    path("recherche/", views.search, name="search"),
    path("plan-du-site/", views.sitemap, name="sitemap"),
    path("sitemap.xml", views.sitemap_xml, name="sitemap_xml"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("informations/<slug:page>/", views.legal, name="legal"),
]
