"""The fake Slack is as strict as Slack, through slack_sdk's real WebClient."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox.fake_slack import FakeSlack
from tests.support import ASSOCIATE, CASES_CHANNEL, seed_workspace


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        seed_workspace(fake)
        yield fake


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=fake.bot_token, base_url=fake.api_url)


def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()  # type: ignore[operator]
    return str(caught.value.response["error"])


def section(text: str = "hi") -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_tokens_are_checked(fake: FakeSlack) -> None:
    assert error_of(lambda: WebClient(token="xoxb-wrong", base_url=fake.api_url).auth_test()) == "invalid_auth"
    assert error_of(lambda: WebClient(base_url=fake.api_url).chat_postMessage(channel=CASES_CHANNEL,
                                                                            text="x")) == "not_authed"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_channels_and_membership_are_checked(fake: FakeSlack, client: WebClient) -> None:
    assert error_of(lambda: client.chat_postMessage(channel="C0NOPE", text="x")) == "channel_not_found"
    fake.add_channel("C0PUBLIC1", "public", bot_member=False)
    fake.add_channel("G0PRIVATE", "secret", is_private=True, bot_member=False)
    assert error_of(lambda: client.chat_postMessage(channel="C0PUBLIC1", text="x")) == "not_in_channel"
    assert error_of(lambda: client.chat_postMessage(channel="G0PRIVATE", text="x")) == "channel_not_found"
    assert error_of(lambda: client.chat_postMessage(channel=CASES_CHANNEL)) == "no_text"


def test_block_kit_limits_slack_sdk_misses_are_enforced(client: WebClient) -> None:
    too_many = [section(str(i)) for i in range(51)]
    radios = {"type": "actions", "elements": [{"type": "radio_buttons", "action_id": "r", "options": [
        {"text": {"type": "plain_text", "text": str(i)}, "value": str(i)} for i in range(11)]}]}
    unknown_key = {**section(), "colour": "red"}
    mrkdwn_header = {"type": "header", "text": {"type": "mrkdwn", "text": "*x*"}}
    for blocks in ([*too_many], [radios], [unknown_key], [mrkdwn_header], [{"type": "sparkle"}]):
        with pytest.raises(SlackApiError) as caught:
            client.chat_postMessage(channel=CASES_CHANNEL, text="x", blocks=blocks)
        assert caught.value.response["error"] == "invalid_blocks"
        assert caught.value.response["response_metadata"]["messages"]
    ok = client.chat_postMessage(channel=CASES_CHANNEL, text="x", blocks=[section(str(i)) for i in range(50)])
    assert ok["ok"]


def test_views_are_validated_and_triggers_expire_and_are_single_use(fake: FakeSlack, client: WebClient) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Hi"}, "blocks": [section()]}
    trigger = fake.issue_trigger(ASSOCIATE)
    assert client.views_open(trigger_id=trigger, view=modal)["ok"]
    assert error_of(lambda: client.views_open(trigger_id=trigger, view=modal)) == "exchanged_trigger_id"
    assert error_of(lambda: client.views_open(trigger_id="123.bogus", view=modal)) == "invalid_trigger_id"

    late = fake.issue_trigger(ASSOCIATE, age=3.1)  # Slack's clock is real: 3 s after the click, it's gone
    assert error_of(lambda: client.views_open(trigger_id=late, view=modal)) == "expired_trigger_id"

    too_big = {**modal, "blocks": [section(str(i)) for i in range(101)]}
    needs_submit = {**modal, "blocks": [{"type": "input", "label": {"type": "plain_text", "text": "L"},
                                         "element": {"type": "plain_text_input", "action_id": "a"}}]}
    for view in (too_big, needs_submit):
        assert error_of(lambda v=view: client.views_open(trigger_id=fake.issue_trigger(ASSOCIATE), view=v)) \
            == "invalid_arguments"


def test_views_update_checks_the_hash(fake: FakeSlack, client: WebClient) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Hi"}, "blocks": [section()]}
    opened = client.views_open(trigger_id=fake.issue_trigger(ASSOCIATE), view=modal)["view"]
    client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal)
    assert error_of(lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal)) \
        == "hash_conflict"


def test_views_publish_is_as_strict_as_slack(fake: FakeSlack, client: WebClient) -> None:
    home = {"type": "home", "blocks": [section()]}
    first = client.views_publish(user_id=ASSOCIATE, view=home)["view"]
    again = client.views_publish(user_id=ASSOCIATE, view=home, hash=first["hash"])["view"]
    assert again["id"] == first["id"] and fake.home(ASSOCIATE) == home
    assert error_of(lambda: client.views_publish(user_id=ASSOCIATE, view=home, hash=first["hash"])) == "hash_conflict"
    assert error_of(lambda: client.views_publish(user_id="U0NOBODY", view=home)) == "user_not_found"
    assert error_of(lambda: client.views_publish(user_id=ASSOCIATE, view={"type": "home", "blocks": [
        section()] * 101})) == "invalid_arguments"
    assert error_of(lambda: client.views_publish(user_id=ASSOCIATE, view={
        **home, "submit": {"type": "plain_text", "text": "Go"}})) == "invalid_arguments"
    assert error_of(lambda: client.views_publish(user_id=ASSOCIATE, view={"type": "home", "blocks": [
        section("x" * 2900)] * 90})) == "view_too_large"
    fake.home_tab_enabled = False
    assert error_of(lambda: client.views_publish(user_id=ASSOCIATE, view=home)) == "not_enabled"


def test_rate_limits_answer_429_with_retry_after(fake: FakeSlack, client: WebClient) -> None:
    fake.rate_limit_next("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel=CASES_CHANNEL, text="x")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "7"
    assert client.chat_postMessage(channel=CASES_CHANNEL, text="x")["ok"]


def test_per_channel_post_limit(fake: FakeSlack, client: WebClient) -> None:
    fake.limit_posts_per_channel(per_second=1, burst=2)
    client.chat_postMessage(channel=CASES_CHANNEL, text="1")
    client.chat_postMessage(channel=CASES_CHANNEL, text="2")
    assert error_of(lambda: client.chat_postMessage(channel=CASES_CHANNEL, text="3")) == "ratelimited"
    assert client.chat_postMessage(channel="C0SUPPORT1", text="other channel")["ok"]


def test_server_errors_can_be_injected(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", "internal_error", status=500)
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel=CASES_CHANNEL, text="x")
    assert caught.value.response.status_code == 500


def test_threads_history_and_permalinks(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel=CASES_CHANNEL, text="parent")
    client.chat_postMessage(channel=CASES_CHANNEL, text="reply", thread_ts=parent["ts"])
    assert error_of(lambda: client.chat_postMessage(channel=CASES_CHANNEL, text="x", thread_ts="1.2")) \
        == "thread_not_found"
    history = client.conversations_history(channel=CASES_CHANNEL)["messages"]
    assert [m["text"] for m in history] == ["parent"] and history[0]["reply_count"] == 1
    replies = client.conversations_replies(channel=CASES_CHANNEL, ts=parent["ts"])["messages"]
    assert [m["text"] for m in replies] == ["parent", "reply"]
    link = client.chat_getPermalink(channel=CASES_CHANNEL, message_ts=parent["ts"])["permalink"]
    assert link.endswith(parent["ts"].replace(".", ""))


def test_history_pages_with_cursors(fake: FakeSlack, client: WebClient) -> None:
    for i in range(5):
        client.chat_postMessage(channel=CASES_CHANNEL, text=str(i))
    first = client.conversations_history(channel=CASES_CHANNEL, limit=2)
    assert [m["text"] for m in first["messages"]] == ["4", "3"] and first["has_more"]
    rest = client.conversations_history(channel=CASES_CHANNEL, limit=10,
                                        cursor=first["response_metadata"]["next_cursor"])
    assert [m["text"] for m in rest["messages"]] == ["2", "1", "0"] and not rest["has_more"]


def test_posting_to_a_user_id_lands_in_the_app_dm(fake: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel=ASSOCIATE, text="hello")
    assert [m.text for m in fake.dms(ASSOCIATE)] == ["hello"]


def test_users_info_gives_the_profiles_timezone_as_slack_does(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U0SINGAP01", "wei", tz="Asia/Singapore")
    user = client.users_info(user="U0SINGAP01")["user"]
    assert (user["tz"], user["tz_label"], user["tz_offset"]) == ("Asia/Singapore", "Singapore Standard Time", 28800)
    fake.set_timezone("U0SINGAP01", "America/New_York")  # changed in their profile
    user = client.users_info(user="U0SINGAP01")["user"]
    assert user["tz"] == "America/New_York" and user["tz_offset"] in (-5 * 3600, -4 * 3600)
    assert user["tz_label"] in ("Eastern Standard Time", "Eastern Daylight Time")
    fake.set_timezone("U0SINGAP01", None)  # as Slack answers for Slackbot: no tz, Pacific time's label
    user = client.users_info(user="U0SINGAP01")["user"]
    assert user["tz"] is None and isinstance(user["tz_offset"], int) and user["tz_label"]


def test_files_upload_v2(fake: FakeSlack, client: WebClient) -> None:
    client.files_upload_v2(channel=CASES_CHANNEL, content=b"\x89PNG fake", filename="chart.png",
                           initial_comment="Weekly digest")
    posted = fake.messages(CASES_CHANNEL)[-1]
    assert posted.text == "Weekly digest" and posted.files[0]["name"] == "chart.png"
    assert fake.uploaded(posted.files[0]["id"]).content == b"\x89PNG fake"


def test_files_upload_v2_follows_slacks_three_steps_strictly(fake: FakeSlack, client: WebClient) -> None:
    # Into a DM, as a reply in a thread, with alt text; the file is described like Slack does.
    parent = client.chat_postMessage(channel=ASSOCIATE, text="Weekly digest")
    client.files_upload_v2(channel=parent["channel"], thread_ts=parent["ts"], content=b"\x89PNG chart",
                           filename="chart.png", title="Chart", alt_txt="Bars")
    reply = fake.thread(parent["channel"], parent["ts"])[-1]
    assert reply.subtype == "file_share" and reply.files[0]["mimetype"] == "image/png"
    assert reply.files[0]["alt_txt"] == "Bars" and reply.files[0]["title"] == "Chart"
    # Not shared anywhere without a channel, and a completed file can't be completed again.
    private = client.files_upload_v2(content=b"x", filename="private.txt")
    file_id = private["file"]["id"]
    assert error_of(lambda: client.files_completeUploadExternal(files=[{"id": file_id}])) == "file_not_found"
    # Each step is checked: a file never uploaded, a channel the bot isn't in, a thread that isn't there.
    started = client.files_getUploadURLExternal(filename="a.png", length=3)
    assert error_of(lambda: client.files_completeUploadExternal(files=[{"id": started["file_id"]}])) == \
        "file_not_found"
    fake.add_channel("C0ELSEWHERE", "elsewhere", members=[ASSOCIATE], bot_member=False)
    assert error_of(lambda: client.files_upload_v2(channel="C0ELSEWHERE", content=b"x", filename="a.txt")) == \
        "not_in_channel"
    assert error_of(lambda: client.files_upload_v2(channel=CASES_CHANNEL, thread_ts="1.000000", content=b"x",
                                                   filename="a.txt")) == "thread_not_found"
    assert error_of(lambda: client.files_getUploadURLExternal(filename="", length=3)) == "invalid_arguments"


def test_an_upload_must_be_as_long_as_announced(fake: FakeSlack) -> None:
    import urllib.error
    import urllib.request

    client = WebClient(token=fake.bot_token, base_url=fake.api_url)
    started = client.files_getUploadURLExternal(filename="a.png", length=10)
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(urllib.request.Request(started["upload_url"], data=b"short", method="POST"))
    assert caught.value.code == 400
    assert error_of(lambda: client.files_completeUploadExternal(files=[{"id": started["file_id"]}])) == \
        "file_not_found"


def test_too_much_text_in_a_messages_blocks_is_refused(client: WebClient) -> None:
    # Each section is within its 3000 characters, but together they pass what Slack takes in one message.
    blocks = [section("x" * 2900) for _ in range(5)]
    assert error_of(lambda: client.chat_postMessage(channel=CASES_CHANNEL, text="x", blocks=blocks)) == \
        "msg_blocks_too_long"
    assert client.chat_postMessage(channel=CASES_CHANNEL, text="x", blocks=blocks[:4])["ok"]


def test_refusals_are_what_slack_refused_not_what_a_test_injected(fake: FakeSlack, client: WebClient) -> None:
    # The harness fails any test whose bot sent one of these, so no test passes on a payload Slack refuses.
    fake.fail_next("chat.postMessage", "invalid_blocks", status=200)
    assert error_of(lambda: client.chat_postMessage(channel=CASES_CHANNEL, text="x", blocks=[section()])) == \
        "invalid_blocks"
    assert fake.refusals() == []
    assert error_of(lambda: client.chat_postMessage(channel=CASES_CHANNEL, text="x", blocks=[section("")])) == \
        "invalid_blocks"
    assert [(c.method, c.error) for c in fake.refusals()] == [("chat.postMessage", "invalid_blocks")]
