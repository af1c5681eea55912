"""Block Kit, built in one place per area from slack_sdk models; handlers never write raw dicts."""
