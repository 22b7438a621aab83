from datetime import datetime

from ninja import Router, Schema

from .roles import Role

router = Router(tags=["accounts"])


class AssignmentOut(Schema):
    role: str
    role_label: str
    org_unit_id: int
    org_unit_name: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    language: str
    primary_role: str | None
    roles: list[AssignmentOut]
    date_joined: datetime


@router.get("/me", response=MeOut, summary="The signed-in user and their role assignments")
def me(request):
    user = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "language": user.language,
        "primary_role": user.primary_role,
        "date_joined": user.date_joined,
        "roles": [
            {
                "role": a.role,
                "role_label": str(Role(a.role).label),
                "org_unit_id": a.org_unit_id,
                "org_unit_name": a.org_unit.name,
            }
            for a in user.assignments()
        ],
    }
