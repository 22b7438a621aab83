import io

from gongzhi.cases.models import Case
from gongzhi.open311 import demo
from gongzhi.open311.models import ApiKey


def test_the_demo_issues_a_key_and_posts_two_requests(world):
    out = io.StringIO()
    demo.build({"units": {"community": world.tree.community_a}, "partners": [world.partner]}, None, out)
    key = ApiKey.objects.get(name="城管12345热线 Open311")
    assert key.partner == world.partner and key.prefix in out.getvalue()
    cases = Case.objects.filter(channel=Case.Channel.OPEN311).order_by("id")
    assert [c.org_unit for c in cases] == [world.tree.community_a, world.tree.grid_a1]
