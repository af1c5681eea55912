"""People: what Amends remembers about a colleague from Slack (their timezone), cached in the database."""
