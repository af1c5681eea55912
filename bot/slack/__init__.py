"""The Slack front end: the only package that imports slack_bolt.

Each business area has a listeners module (`cases.py`, ...) with a `register(surface, deps)` function
and a blocks module under `blocks/`. Listeners parse the payload, call a domain service, render blocks
and answer; they hold no business rules and no SQL.
"""
