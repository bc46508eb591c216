from django.shortcuts import render


def rate_limited(request, exception=None):
    """Answer of every rate-limited view: HTTP 429 with an explanation."""
    return render(request, "errors/429.html", status=429)


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    return render(request, "errors/500.html", status=500)
