"""Demo data of Open311: a key for the city-management partner's system of Najin, and two requests
it posted (one located by a building of the registry, so it lands in that grid)."""

from django.db import transaction

from gongzhi.cases import selectors as case_selectors

from . import services


def build(context, rng, stdout):
    community = context["units"]["community"]
    partners = context.get("partners") or []
    categories = list(
        case_selectors.categories_for(community).filter(is_mediation=False).order_by("sort_order")
    )
    if not categories:
        return
    with transaction.atomic():
        key, secret = services.apikey_create(
            actor=None,
            community=community,
            name="城管12345热线 Open311",
            partner=partners[0] if partners else None,
        )
        addresses = case_selectors.building_addresses(community=community, limit=1)
        reports = [
            {"description": "路口井盖松动，夜间有行人绊倒的危险。", "lat": "29.662311", "long": "91.153742"},
            {
                "description": "楼道灯坏了三天，老人上下楼不方便。",
                "address_id": str(addresses[0][0]) if addresses else "",
            },
        ]
        for report in reports:
            if not report.get("address_id") and "lat" not in report:
                continue
            data = services.RequestInput(service_code=categories[0].code, **report)
            services.request_create(key=key, community=community, data=data)
    stdout.write(f"  open311: key {key.prefix}… for {community.name}: {secret}\n")
