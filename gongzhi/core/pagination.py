from django.core.paginator import Paginator

PAGE_SIZE = 20


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """The page asked for by ?page=, clamped to the valid range (a bad number shows page 1)."""
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))


def querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
