"""The neighbourhood deliberation corner (邻里议事角, "big matters by consultation"): a resident proposes
a topic on the phone in Tibetan, a second household supports it and the public page counts the
supports; the secretary puts it on the agenda and opens a household vote; three households vote on
their phones; the secretary closes the vote and the public page shows the counts, never who voted how."""

import datetime
import re
import time
from zoneinfo import ZoneInfo

from conftest import DESKTOP, PHONE

NAJIN = "540102003001"
PUBLIC = f"/deliberation/public/{NAJIN}/"


def numbers(text: str) -> set[int]:
    """The numbers in a sentence, whatever the word order of its language."""
    return {int(n) for n in re.findall(r"\d+", text)}


def _public_item(j, title):
    j.goto(PUBLIC)
    return j.page.locator("main section.card li", has_text=title).first


def _vote(j, topic_path, choice):
    j.goto(topic_path)
    j.page.locator("main a[href^='/deliberation/decisions/']").first.click()
    j.page.wait_for_load_state()
    j.page.check(f"input[name=choice][value={choice}]")
    j.page.click("main form[action$='/vote/'] button[type=submit]")
    j.page.wait_for_load_state()
    assert j.page.locator(".messages .msg-success").count() == 1, j.page.locator(
        ".messages"
    ).all_inner_texts()


def test_a_residents_proposal_is_supported_put_to_a_household_vote_and_its_result_is_public(journey):
    title = f"ཁྱམས་སུ་ཉི་ཟེར་གློག་སྒྲོན་བཙུགས་རོགས། {int(time.time())}"

    # A resident proposes, in Tibetan, on the phone.
    proposer = journey(PHONE, language="bo", name="deliberation-proposer")
    proposer.login("13908910001")
    proposer.goto("/deliberation/new/")
    proposer.check_tibetan()
    proposer.check_a11y()
    proposer.page.fill("#id_title", title)
    proposer.page.fill("#id_description", "院子里晚上太黑，老人出门不方便。建议在院内安装太阳能路灯。")
    proposer.page.select_option("#id_category", index=1)
    proposer.shot("propose")
    proposer.page.click("main form button[type=submit].btn-primary")
    proposer.page.wait_for_load_state()
    assert proposer.page.locator("main h1").inner_text().strip() == title
    supports = proposer.page.locator("main section.card:has(progress) p").first
    assert numbers(supports.inner_text()) == {1, 10}, supports.inner_text()  # 1 of 10 households
    topic_path = "/" + proposer.page.url.split("/", 3)[3]
    proposer.check_tibetan()
    proposer.check_a11y()
    proposer.shot("proposed")

    # A second household supports it from the list of topics.
    neighbour = journey(PHONE, name="deliberation-neighbour")
    neighbour.login("13908910002")
    neighbour.goto("/deliberation/")
    neighbour.page.locator("main a", has_text=title).first.click()
    neighbour.page.wait_for_load_state()
    neighbour.page.click("main form[action$='/support/'] button.btn-primary")
    neighbour.page.wait_for_load_state()
    assert neighbour.page.locator(".messages .msg-success").count() == 1
    assert numbers(neighbour.page.locator("main section.card:has(progress) p").first.inner_text()) == {2, 10}
    neighbour.check_a11y()
    neighbour.shot("supported")

    # Anyone can read the public page, without signing in: two of ten households support it.
    public = journey(PHONE, language="bo", name="deliberation-public")
    item = _public_item(public, title)
    assert numbers(item.locator(".muted").inner_text()) == {2, 10}, item.inner_text()
    public.check_tibetan()
    public.check_a11y()
    public.shot("public-supports")

    # The secretary, at the desk, puts it on the agenda and opens a household vote. Only five demo
    # households can sign in, so this vote needs no quorum; a majority of yes and no decides.
    secretary = journey(DESKTOP, name="deliberation-secretary")
    secretary.login("secretary")
    secretary.goto(topic_path)
    secretary.page.click("main form[action$='/agenda/'] button[type=submit]")
    secretary.page.wait_for_load_state()
    assert secretary.page.locator("main dl.facts .tag").first.inner_text().strip() == "已列入议程"
    secretary.page.click("main details summary")
    vote = secretary.page.locator("main form[action$='/vote/']")
    vote.locator("select[name=method]").select_option("households")
    vote.locator("input[name=question]").fill(f"同意：{title}")
    vote.locator("input[name=quorum_percent]").fill("0")
    vote.locator("input[name=majority_percent]").fill("50")
    secretary.check_a11y()
    secretary.shot("open-vote")
    vote.locator("button[type=submit]").click()
    secretary.page.wait_for_load_state()
    assert "/deliberation/decisions/" in secretary.page.url
    decision_url = secretary.page.url
    secretary.shot("vote-open")

    # The public page lists the vote under way, without counts.
    item = _public_item(public, title)
    assert item.count() == 1
    public.shot("public-vote-open")

    # Three households vote on their phones: two in favour, one against.
    _vote(proposer, topic_path, "yes")
    # The household sees its own vote (and only that).
    assert (
        proposer.page.locator(
            "main section.card p",
            has_text=datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat(),
        ).count()
        == 1
    )
    proposer.check_tibetan()
    proposer.check_a11y()
    proposer.shot("voted")
    _vote(neighbour, topic_path, "yes")
    neighbour.shot("voted")
    third = journey(PHONE, name="deliberation-third-household")
    third.login("13908910003")
    _vote(third, topic_path, "no")
    # A household may change its vote until the close; it still counts once.
    _vote(third, topic_path, "no")
    third.shot("voted")

    # The secretary closes the vote and counts.
    secretary.page.goto(decision_url)
    secretary.page.click("main form[action$='/close/'] button[type=submit]")
    secretary.page.wait_for_load_state()
    counts = secretary.page.locator("main dl.facts").nth(1).locator("dd").all_inner_texts()
    assert [c.strip() for c in counts] == ["2", "1", "0"], counts
    assert secretary.page.locator("main dl.facts .tag").first.inner_text().strip() == "通过"
    secretary.shot("counted")

    # The public page shows the decision with its counts, and the name of no voter.
    public.goto(PUBLIC)
    decision = public.page.locator("main section.card li", has_text=f"同意：{title}").first
    text = decision.inner_text()
    assert re.search(r"\b2\b.*\b1\b.*\b0\b", text), text
    assert decision.locator(".tag").inner_text().strip() == "གྲོས་ཆོད་བྱུང་།"  # passed
    main = public.page.locator("main").inner_text()
    for login in ("13908910001", "13908910002", "13908910003"):
        assert login not in main
    public.check_tibetan()
    public.check_a11y()
    public.shot("public-decision")
