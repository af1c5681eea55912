"""Build the Bolt app and register every area's listeners on it."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.slack import (
    case_edit,
    case_posts,
    cases,
    drafting,
    errors,
    home,
    knowledge,
    observe,
    offers,
    playbooks,
    reminders,
    resolve,
    tracking,
)
from bot.slack.case_actions import CaseActions
from bot.slack.case_followups import CaseFollowUps
from bot.slack.client import TypedRespond, per_request
from bot.slack.commands import RecoverCommand
from bot.slack.deps import SlackDeps
from bot.slack.home_sections import HomeSections
from bot.slack.reminder_kinds import ReminderKinds
from bot.slack.surface import Surface
from bot.slack.view_guard import ViewGuard
from bot.slack.wiring import Wiring

# Each business area's listeners; an area module has `register(wiring)`.
AREAS = [cases, case_edit, case_posts, reminders, drafting, knowledge, resolve, playbooks, offers, tracking, home]


def build_bolt_app(client: WebClient, deps: SlackDeps, *, verify_token: bool = True, workers: int = 8) -> Wiring:
    """A Bolt app with all listeners."""
    app = App(
        client=client,
        # HTTP mode checks signatures on the raw bytes before Bolt parses anything (bot/slack/http.py);
        # Bolt's own check comes after its parse, and logs a refused body whole. Socket Mode isn't signed.
        request_verification_enabled=False,
        token_verification_enabled=verify_token,
        # Listeners answer the ack on the request thread and queue their work themselves (see surface.py).
        process_before_response=True,
        raise_error_for_unhandled_request=False,
    )
    # Work after the ack runs here. Measured with bench/ack_latency.py (20 in flight): 8 threads beat 32,
    # which spent more CPU a request fighting over the GIL (2.5 ms against 2.0 ms) for a worse p99.
    workers = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="amends-worker")
    surface = Surface(app, workers, deps.db)
    surface.uses_scopes("chat:write", "users:read", "usergroups:read")
    errors.install(app)

    @app.middleware
    def person_text_as_typed(context: BoltContext, next: Callable[[], None]) -> None:  # noqa: A002 - Bolt's name
        context["client"] = per_request(context.client)  # see bot/slack/client.py
        if context.response_url:
            context["respond"] = TypedRespond(response_url=context.response_url, proxy=context.client.proxy,
                                              ssl=context.client.ssl)
        next()

    app.use(observe.bind_user)
    guard = ViewGuard(deps, surface)
    app.use(guard.middleware)  # modals' private_metadata: sealed for their person, checked before handlers
    surface.view_guard = guard  # who may act on the case a modal names
    wiring = Wiring(surface=surface, recover=RecoverCommand(surface), case_actions=CaseActions(surface), deps=deps,
                    reminder_kinds=ReminderKinds(), home=HomeSections())
    for area in AREAS:
        area.register(wiring)
    CaseFollowUps(wiring).install()
    return wiring
