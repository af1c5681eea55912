"""The reminder posters' client keeps its connection to Slack open, and answers exactly as urllib would."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

from bot.sandbox.fake_slack import FakeSlack
from bot.slack import keep_alive
from bot.slack.client import make_web_client
from tests.processes import free_port


@pytest.fixture
def fake() -> Any:
    fake = FakeSlack().start()
    fake.add_user("U0KEEP001", "kim")
    fake.add_channel("C0KEEP001", "cases", members=["U0KEEP001"])
    yield fake
    fake.stop()


def client_of(fake: FakeSlack) -> Any:
    return make_web_client(fake.bot_token, fake.api_url, rate_limit_retries=0, server_error_retries=0,
                           keep_alive=True)


def test_calls_from_one_thread_share_one_connection(fake: FakeSlack) -> None:
    client = client_of(fake)
    for i in range(5):
        assert client.chat_postMessage(channel="C0KEEP001", text=f"post {i}")["ok"]
    assert client.connections_made == 1
    assert [m.text for m in fake.messages("C0KEEP001")] == [f"post {i}" for i in range(5)]


def test_each_thread_has_its_own_connection(fake: FakeSlack) -> None:
    client = client_of(fake)
    threads = [threading.Thread(target=lambda n=n: [client.chat_postMessage(channel="C0KEEP001", text=f"{n}.{i}")
                                                    for i in range(3)]) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert client.connections_made == 3
    assert len(fake.messages("C0KEEP001")) == 9


def test_a_rate_limit_is_answered_as_urllib_would_and_the_connection_kept(fake: FakeSlack) -> None:
    fake.limit_posts_per_channel(1, burst=1)
    client = client_of(fake)
    client.chat_postMessage(channel="C0KEEP001", text="first")
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C0KEEP001", text="second")
    assert refused.value.response.status_code == 429
    assert refused.value.response.headers["Retry-After"] == "1"
    assert refused.value.response["error"] == "ratelimited"
    assert client.connections_made == 1


def test_a_connection_idle_too_long_is_replaced(fake: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    client = client_of(fake)
    client.chat_postMessage(channel="C0KEEP001", text="before")
    later = keep_alive.time.monotonic() + keep_alive.IDLE + 1
    monkeypatch.setattr(keep_alive.time, "monotonic", lambda: later)
    client.chat_postMessage(channel="C0KEEP001", text="after")
    assert client.connections_made == 2


class _ClosesAfterAnswering(BaseHTTPRequestHandler):
    """Answers like Slack (HTTP/1.1, no `Connection: close`), then closes the connection anyway, as a load
    balancer does with one it considers idle."""

    protocol_version = "HTTP/1.1"
    closed = threading.Event()

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        self.rfile.read(int(self.headers["Content-Length"]))
        data = b'{"ok": true, "channel": "C1", "ts": "1.000001"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def finish(self) -> None:
        super().finish()
        type(self).closed.set()

    def log_message(self, *args: Any) -> None:
        pass


def test_a_connection_the_server_closed_is_replaced_before_use() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _ClosesAfterAnswering)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = make_web_client("xoxb-test", f"http://127.0.0.1:{server.server_port}/api/", keep_alive=True,
                                 connection_retries=0)
        client.chat_postMessage(channel="C1", text="one")
        assert _ClosesAfterAnswering.closed.wait(5)
        connection, _ = client._open.connections[("http", "127.0.0.1", server.server_port)]
        for _ in range(200):  # the server's FIN reaches this side of the loopback in microseconds
            if keep_alive._closed_by_server(connection):
                break
            threading.Event().wait(0.01)
        assert client.chat_postMessage(channel="C1", text="two")["ok"]  # no error: a fresh connection
        assert client.connections_made == 2
    finally:
        server.shutdown()
        server.server_close()


def test_nothing_listening_is_a_urlerror_as_with_urllib() -> None:
    from urllib.error import URLError

    client = make_web_client("xoxb-test", f"http://127.0.0.1:{free_port()}/api/", keep_alive=True,
                             connection_retries=0)
    with pytest.raises(URLError):
        client.chat_postMessage(channel="C1", text="nobody home")


def test_a_fake_slack_that_stops_hangs_up_so_nobody_talks_to_it_afterwards() -> None:
    """A test's fake stops; the next test's fake may get its port. A kept-alive connection must then reach
    the new one, not the old one's connection thread, which would go on serving it."""
    old = FakeSlack().start()
    old.add_channel("C0KEEP001", "cases")
    client = client_of(old)
    client.chat_postMessage(channel="C0KEEP001", text="to the old one")
    port = old._server.server_address[1]  # type: ignore[union-attr]
    old.stop()
    new = FakeSlack().start(port=port)
    try:
        new.add_channel("C0KEEP001", "cases")
        connection, _ = client._open.connections[("http", "127.0.0.1", port)]
        for _ in range(200):  # the hang-up reaches this side of the loopback in microseconds
            if keep_alive._closed_by_server(connection):
                break
            threading.Event().wait(0.01)
        client.chat_postMessage(channel="C0KEEP001", text="to the new one")
        assert [m.text for m in new.messages("C0KEEP001")] == ["to the new one"]
        assert [m.text for m in old.messages("C0KEEP001")] == ["to the old one"]
    finally:
        new.stop()


def test_a_thread_keeps_no_connection_idle_longer_than_idle_once_it_opens_another(
        fake: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    other = FakeSlack().start()
    try:
        other.add_channel("C0KEEP001", "cases")
        client = client_of(fake)
        client.chat_postMessage(channel="C0KEEP001", text="first")
        later = keep_alive.time.monotonic() + keep_alive.IDLE + 1
        monkeypatch.setattr(keep_alive.time, "monotonic", lambda: later)
        elsewhere = make_web_client(other.bot_token, other.api_url, keep_alive=True)
        elsewhere._open = client._open  # the same thread's connections, as if one client called both
        elsewhere.chat_postMessage(channel="C0KEEP001", text="second")
        assert list(client._open.connections) == [("http", "127.0.0.1", other._server.server_address[1])]  # type: ignore[union-attr]
    finally:
        other.stop()
