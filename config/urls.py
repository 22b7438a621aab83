from importlib.util import find_spec

from django.conf import settings
from django.urls import include, path

from gongzhi.api.api import api

urlpatterns = [
    path("", include("gongzhi.core.urls")),
    path("accounts/", include("gongzhi.accounts.urls")),
    path("api/v1/", api.urls),
]

# Every other domain app with a urls module is mounted at /<app>/ (or its URL_PREFIX).
for _app in settings.GONGZHI_APPS:
    if _app in ("core", "accounts") or find_spec(f"gongzhi.{_app}.urls") is None:
        continue
    _module = __import__(f"gongzhi.{_app}.urls", fromlist=["urlpatterns"])
    urlpatterns.append(path(getattr(_module, "URL_PREFIX", f"{_app}/"), include(_module)))

# The benchmark's ceiling views exist only in a bench run (settings.GONGZHI_BENCH), never in production.
if settings.GONGZHI_BENCH:
    urlpatterns.append(path("bench/", include("gongzhi.benchsupport.urls")))

handler403 = "gongzhi.core.views.error_403"
handler404 = "gongzhi.core.views.error_404"
handler500 = "gongzhi.core.views.error_500"
