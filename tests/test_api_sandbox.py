"""README "Connecting your order system": its curl commands, run as written against the sandbox that
`amends run` starts without Slack tokens, open a case the sandbox shows like any other."""

from __future__ import annotations

import io
import json
import re
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from bot.sandbox.launch import run_sandbox
from bot.sandbox.workspace import ASSOCIATE, CASES
from bot.settings import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_commands() -> list[str]:
    section = README.read_text().split("## Connecting your order system", 1)[1].split("\n## ", 1)[0]
    return [block for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def wait(probe: Any, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.1)  # polling a sandbox in another thread: nothing to wait on but time
    raise TimeoutError


def page_state(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/api/state?user={ASSOCIATE.id}&since=-1", timeout=30) as response:
        return json.loads(response.read())


def test_the_readme_curl_commands_open_a_case_the_sandbox_shows(tmp_path: Path) -> None:
    out, stop = io.StringIO(), threading.Event()
    settings = Settings.model_validate({"AMENDS_LOG_LEVEL": "WARNING"})
    runner = threading.Thread(target=run_sandbox, args=(settings,),
                              kwargs={"port": 0, "folder": tmp_path / "amends-sandbox", "out": out, "stop": stop})
    runner.start()
    try:
        wait(lambda: "Order-system API" in out.getvalue())
        page = re.search(r"Open (http://\S+) in your browser", out.getvalue()).group(1)
        opened, changed = readme_commands()

        def run(script: str) -> dict[str, Any]:
            done = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=30)
            assert done.returncode == 0, done.stderr
            return json.loads(done.stdout)

        case = run(opened)
        assert case["ref"] == "AM-1" and case["owner"] == ASSOCIATE.id  # found by the email in the example
        assert run(opened)["id"] == case["id"]  # sent again: the same case
        assert run("source amends-sandbox/api.env\n" + changed)["new_date"]  # the reader's shell has it already == "2030-01-22T17:00:00Z"

        shown = wait(lambda: [m for m in page_state(page)["messages"].get(CASES.id, [])
                              if m.get("thread_ts", m["ts"]) == m["ts"] and "Northwind Traders" in json.dumps(m)])
        assert len(shown) == 1
    finally:
        stop.set()
        runner.join(timeout=30)
