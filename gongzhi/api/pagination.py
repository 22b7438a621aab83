from typing import Any

from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import PaginationBase


class PagePagination(PaginationBase):
    """`?page=&page_size=` (default 20, at most 100) → `{"items": [...], "count": N}`."""

    class Input(Schema):
        page: int = Field(1, ge=1)
        page_size: int = Field(settings.API_PAGE_SIZE_DEFAULT, ge=1, le=settings.API_PAGE_SIZE_MAX)

    class Output(Schema):
        items: list[Any]
        count: int

    items_attribute = "items"

    def paginate_queryset(self, queryset, pagination: Input, **params):
        offset = (pagination.page - 1) * pagination.page_size
        return {"items": list(queryset[offset : offset + pagination.page_size]), "count": queryset.count()}
