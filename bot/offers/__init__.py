"""Offers: the catalog of pre-approved alternatives, the compensation budget per case, offers made to the
customer, manager approvals beyond an associate's limit, and the customer's choice.

* catalog.py  - `playbooks/alternatives.yaml` (and a team's own): schema, loader, ranking for a case
* budget.py   - what a case may cost, with the reasoning shown to the associate (amends.yaml `offers.budget`)
* money.py    - amounts typed by people -> Decimal, with messages for a field error
* models.py   - offers, their items, approval decisions and the customer's choice; outcomes and tallies
* learning.py - what resolved cases say about each entry: the record (case hooks), the ranking's
                verdicts, the report's per-entry figures
* service.py  - use cases (make an offer, decide an approval, record the choice) and queries for other
                areas: `pending_approvals`, `spending`, `customer_choice`
"""
