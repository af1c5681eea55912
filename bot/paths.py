"""Where the data shipped with Amends lives (the repository's playbooks/ and message_templates/).

Teams point amends.yaml at their own folders to add or override files; these are the defaults."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_PLAYBOOKS = ROOT / "playbooks"
SHIPPED_TEMPLATES = ROOT / "message_templates"
# The offers catalog lives beside the playbooks (shipped, and in each team playbook folder); it is not a playbook.
CATALOG_FILE = "alternatives.yaml"
# What the team can really promise (bot/cases/lead_times.py), beside the playbooks too; not a playbook.
LEAD_TIMES_FILE = "lead_times.yaml"
