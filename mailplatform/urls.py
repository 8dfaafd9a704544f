from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from mailplatform import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/ping", views.PingView.as_view(), name="api-ping"),
    path("api/v1/tokens/", include("provisioning.api.urls")),
    path("api/v1/", include("imapd.folders.api.urls")),
    path("api/v1/", include("moderation.api.urls")),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("imapd.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # The landing page, registration and the self-service pages; `/` also takes provisioning's
    # POST (mailadm's documented endpoint), see moderation.views.landing.
    path("", include("moderation.urls")),
    path("", include("provisioning.urls")),
]
