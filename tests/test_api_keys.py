"""`amends api-key`: a key is shown once, only its hash is stored, and a revoked key opens nothing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sqlalchemy import create_engine, text

from bot.api import keys
from bot.db import Database
from tests.test_cli import run_cli


def test_create_list_revoke(tmp_path: Path, sqlite_template: Path) -> None:
    shutil.copy(sqlite_template, tmp_path / "amends.db")
    env = {"AMENDS_DATABASE_URL": f"sqlite:///{tmp_path / 'amends.db'}", "AMENDS_API_SECRET": "server-secret"}
    created = run_cli("api-key", "create", "warehouse", cwd=tmp_path, env=env)
    assert created.returncode == 0, created.stderr
    key = re.search(r"amk_[0-9a-f]{12}_\S+", created.stdout).group(0)
    key_id, secret = key[4:16], key[17:]
    assert keys.signing_secret("server-secret", key_id) in created.stdout

    engine = create_engine(env["AMENDS_DATABASE_URL"])
    with engine.connect() as conn:
        stored = " ".join(str(v) for row in conn.execute(text("SELECT * FROM api_keys")) for v in row)
    engine.dispose()
    assert key not in stored and secret not in stored  # the secret part is nowhere at rest

    db = Database(env["AMENDS_DATABASE_URL"])
    headers = {"authorization": f"Bearer {key}"}
    with db.transaction() as session:
        assert keys.authenticate(session, headers, b"", unix_now=0, server_secret=None) == "warehouse"
    listed = run_cli("api-key", "list", cwd=tmp_path, env=env)
    assert f"warehouse            {key_id}" in listed.stdout and "live" in listed.stdout

    assert run_cli("api-key", "revoke", "warehouse", cwd=tmp_path, env=env).returncode == 0
    with db.transaction() as session:
        try:
            keys.authenticate(session, headers, b"", unix_now=0, server_secret=None)
            raise AssertionError("a revoked key still authenticates")
        except keys.Unauthorized:
            pass
    db.dispose()
    bad = run_cli("api-key", "create", "Not A Name", cwd=tmp_path, env=env)
    assert bad.returncode == 2 and "lowercase" in bad.stderr and "Traceback" not in bad.stderr


def test_amends_check_names_a_webhook_whose_secret_is_not_set(tmp_path: Path) -> None:
    (tmp_path / "amends.yaml").write_text("cases:\n  channel: C0CASES01\napi:\n  webhooks:\n"
                                          "    - url: https://erp.example.com/hook\n      secret_env: ERP_HOOK_SECRET\n")
    missing = run_cli("check", cwd=tmp_path)
    assert missing.returncode == 2
    assert "api.webhooks[0].secret_env: the environment variable ERP_HOOK_SECRET is not set" in missing.stderr
    assert run_cli("check", cwd=tmp_path, env={"ERP_HOOK_SECRET": "s"}).returncode == 0
