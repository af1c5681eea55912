"""The sandbox's web server: the static page under web/ and a small JSON API.

    GET  /                       the page (web/index.html); assets under /static/
    GET  /api/state?user=U&since=N   what U sees, once FakeSlack.revision is past N (long poll, 25 s)
    GET  /api/traffic            the last requests sent to the bot and Web API calls it made
    POST /api/<verb>             command, message, edit, delete, shortcut, action, submit, close, home,
                                 dismiss (JSON bodies; see actions.py)

It listens on 127.0.0.1 by default and lets anyone who reaches it act as anyone in the fake workspace,
so it also refuses requests whose Host is not this server (DNS rebinding) and POSTs that are not JSON
(cross-site forms), and the page runs under a strict Content-Security-Policy.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import threading
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.sandbox.actions import ActionError, SandboxActions
from bot.sandbox.snapshot import snapshot

if TYPE_CHECKING:
    from bot.sandbox.runtime import Sandbox

log = logging.getLogger(__name__)

WEB_ROOT = Path(__file__).parent / "web"
LONG_POLL_SECONDS = 25.0
MAX_BODY = 1_000_000
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png"}
SHOWN_FILES = {"image/png", "image/jpeg", "image/gif"}  # uploads the page shows inline; never SVG (scripts)
# Images in Block Kit come from anywhere (Slack proxies them); nothing else does.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; "
       "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
VERBS = {
    "command": ("user", "channel", "text"),
    "message": ("user", "channel", "text", "thread_ts"),
    "edit": ("user", "channel", "ts", "text"),
    "delete": ("user", "channel", "ts"),
    "shortcut": ("user", "callback_id", "channel", "ts"),
    "action": ("user", "surface", "action_id", "block_id", "value", "selected", "state"),
    "submit": ("user", "view_id", "state"),
    "close": ("user", "view_id", "how"),
    "home": ("user", "tab"),
    "dismiss": ("user", "ts"),
}


class WebServer:
    def __init__(self, sandbox: Sandbox, host: str, port: int) -> None:
        self.sandbox = sandbox
        self.actions = SandboxActions(sandbox)
        handler = type("SandboxHandler", (_Handler,), {"web": self})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = self._server.server_address[0]
        host = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
        return f"http://{host}:{self.port}"

    def allowed_hosts(self) -> set[str]:
        bound = str(self._server.server_address[0])
        names = {"127.0.0.1", "localhost", "[::1]", bound}
        return {f"{name}:{self.port}" for name in names}

    def start(self) -> WebServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox-web", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def state(self, user_id: str, since: int) -> dict[str, Any]:
        if self.sandbox.workspace.person(user_id) is None:
            raise ActionError(f"{user_id!r} is not someone in the sandbox workspace")
        fake = self.sandbox.fake
        if since >= 0 and not self._stopping.is_set():
            fake.wait_for_change(since, LONG_POLL_SECONDS)
        return snapshot(self.sandbox, user_id)

    def traffic(self) -> dict[str, Any]:
        deliveries = [{"at": d.at, "kind": d.kind, "summary": d.summary, "status": d.status, "millis": d.millis,
                       "payload": d.payload} for d in list(self.sandbox.traffic)]
        calls = [{"method": c.method, "ok": c.ok, "error": c.error} for c in self.sandbox.fake.calls()[-100:]]
        return {"to_bot": deliveries[-100:], "web_api": calls}


class _Handler(BaseHTTPRequestHandler):
    web: WebServer
    protocol_version = "HTTP/1.1"
    server_version = "amends-sandbox"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("sandbox web: " + format, *args)

    # ------------------------------------------------------------------ responses

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        if content_type.startswith("text/html"):
            self.send_header("Content-Security-Policy", CSP)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json; charset=utf-8")

    def _host_ok(self) -> bool:
        if self.headers.get("Host", "") in self.web.allowed_hosts():
            return True
        self._json(HTTPStatus.FORBIDDEN, {"ok": False, "error": "unexpected Host header"})
        return False

    # ------------------------------------------------------------------ routes

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        if not self._host_ok():
            return
        url = urllib.parse.urlparse(self.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        try:
            if url.path == "/":
                self._static("index.html")
            elif url.path.startswith("/static/"):
                self._static(url.path.removeprefix("/static/"))
            elif url.path == "/api/state":
                since = int(query.get("since", "-1")) if query.get("since", "-1").lstrip("-").isdigit() else -1
                self._json(HTTPStatus.OK, self.web.state(query.get("user", ""), since))
            elif url.path in ("/healthz", "/readyz"):  # compose's health check, whichever mode it runs
                problems = [] if url.path == "/healthz" else self.web.sandbox.amends.health.problems()
                self._json(HTTPStatus.SERVICE_UNAVAILABLE if problems else HTTPStatus.OK,
                           {"ok": not problems, "problems": problems})
            elif url.path == "/api/traffic":
                self._json(HTTPStatus.OK, self.web.traffic())
            elif url.path.startswith("/files/"):
                self._file(url.path.removeprefix("/files/"))
            else:
                self._json(HTTPStatus.NOT_FOUND, {"ok": False, "error": "not found"})
        except ActionError as exc:
            self._json(exc.status, {"ok": False, "error": exc.message})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page went away while waiting

    def _static(self, name: str) -> None:
        path = (WEB_ROOT / name).resolve()
        if WEB_ROOT.resolve() not in path.parents or not path.is_file() or path.suffix not in CONTENT_TYPES:
            self._json(HTTPStatus.NOT_FOUND, {"ok": False, "error": "not found"})
            return
        self._send(HTTPStatus.OK, path.read_bytes(), CONTENT_TYPES[path.suffix])

    def _file(self, file_id: str) -> None:
        """An image the bot uploaded and shared (files_upload_v2), shown in its message like Slack does."""
        upload = self.web.sandbox.fake.uploaded(file_id)
        kind = mimetypes.guess_type(upload.filename)[0] if upload else None
        if upload is None or not upload.completed or upload.content is None or kind not in SHOWN_FILES:
            self._json(HTTPStatus.NOT_FOUND, {"ok": False, "error": "not found"})
            return
        self._send(HTTPStatus.OK, upload.content, kind)

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        if not self._host_ok():
            return
        verb = urllib.parse.urlparse(self.path).path.removeprefix("/api/")
        length = int(self.headers.get("Content-Length") or 0)
        if verb not in VERBS:
            self._json(HTTPStatus.NOT_FOUND, {"ok": False, "error": "not found"})
            return
        if not self.headers.get("Content-Type", "").startswith("application/json") or length > MAX_BODY:
            self._json(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"ok": False, "error": "send JSON"})
            return
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self._json(HTTPStatus.BAD_REQUEST, {"ok": False, "error": "the body is not a JSON object"})
            return
        try:
            result = getattr(self.web.actions, verb)(*[body.get(name) for name in VERBS[verb]])
        except ActionError as exc:
            self._json(exc.status, {"ok": False, "error": exc.message})
            return
        self._json(HTTPStatus.OK, result)
