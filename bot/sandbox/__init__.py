"""Stand-ins for Slack itself, for tests, benchmarks and the local sandbox.

* `fake_slack.FakeSlack` - a strict fake of the Slack Web API (and response_url hooks) served on
  127.0.0.1. Point the bot at it with AMENDS_SLACK_API_URL.
* `driver.SlackDriver` - plays Slack's other role: sends the bot signed slash commands, clicks, modal
  submissions and events, with the same payload shapes Slack uses.
* `blockkit` - the Block Kit checks the fake applies (slack_sdk's models plus the limits they miss).
* `signing` - Slack request signatures.
"""
