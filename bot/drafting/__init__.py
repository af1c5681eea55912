"""Message drafts: Jinja templates rendered for a case in a sandbox, and a tone check (domain: no Slack).

* environment.py - the sandboxed Jinja environments (plain text to copy out; Slack mrkdwn, escaped)
* templates.py   - finding templates in the shipped and team folders, rendering, file:line problems
* context.py     - every variable a template sees, built from the case, the associate and the offers
* offers.py      - `offers_for(session, case)`: the seam where the offers area feeds alternatives,
                   incentive, gift, compensation and the customer's choice
* tone.py        - tone rules as data, and the check that turns them into hints
* composer.py    - `Drafting`: pick, render and check a template; `drafting_for(config)`
* service.py     - compose for a case, save a draft, mark it as sent, the manager summary
* samples.py     - the sample cases `amends check` and the tests render every template against

The Slack side lives in bot/slack/drafting.py and bot/slack/blocks/drafting.py.
"""
