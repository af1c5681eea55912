"""What the checklist already ruled out is offered last and marked, and what makes no sense for the order
is not offered; the catalog declares both, and `amends check` names a tie to a check no playbook has."""

from __future__ import annotations

from pathlib import Path

from bot.offers.catalog import check_catalog, items_in
from bot.playbooks.config import PlaybooksConfig
from tests.support import Harness, all_text
from tests.test_cli import run_cli
from tests.test_offers import open_offer
from tests.test_playbook_files import write
from tests.test_playbooks import Checklist


def ranked_options(view) -> list[tuple[str, str]]:  # noqa: ANN001
    block = next(b for b in view.view["blocks"] if b.get("block_id") == "offer_alternatives")
    return [(o["value"], o["text"]["text"]) for o in block["element"]["options"]]


def test_an_alternative_the_checklist_ruled_out_is_ranked_last_and_marked(harness: Harness) -> None:
    case = harness.open_case(cause="stock-out", order_value="200.00")  # source-elsewhere: 12% = £24 for £100
    first = open_offer(harness, case)
    before = [value for value, _ in ranked_options(first)]
    assert before[0] == "source-elsewhere"  # the most value for each pound, today
    harness.driver.close(first.id)

    checklist = Checklist(harness, case.id)
    checklist.check("other-location", "tried")
    view = open_offer(harness, case)
    after = ranked_options(view)
    assert after[-1] == ("source-elsewhere", ":no_entry_sign: Source it from another location or a competitor")
    assert [v for v, _ in after[:-1]] == [v for v in before if v != "source-elsewhere"]
    assert ("*Source it from another location or a competitor* is last: the checklist says Stock at another "
            "location: tried, no luck.") in all_text(view.view["blocks"])


def test_a_partial_shipment_of_a_single_item_is_not_offered(harness: Harness) -> None:
    several = harness.open_case(cause="stock-out")  # 12 office chairs
    view = open_offer(harness, several)
    assert "partial-shipment" in [v for v, _ in ranked_options(view)]
    harness.driver.close(view.id)
    single = harness.open_case(cause="stock-out", customer_name="Contoso", promise="A walnut boardroom table")
    assert "partial-shipment" not in [v for v, _ in ranked_options(open_offer(harness, single))]


def test_how_many_items_a_promise_is_for() -> None:
    assert items_in("12 office chairs delivered to the Leeds site") == 12
    assert items_in("1 sofa") == items_in("a sofa") == items_in("One espresso machine") == items_in("an oven") == 1
    # Unsaid, or a set: shown as before.
    assert items_in("a set of 4 chairs") is None and items_in("the Leeds order") is None and items_in("") is None


def test_check_names_a_tie_to_a_check_no_playbook_has(tmp_path: Path) -> None:
    path = write(tmp_path, "alternatives.yaml", "alternatives:\n"
                 "  - {id: hunt, title: Hunt, cost: 1, value: 2, ruled_out_by: [other-location]}\n"
                 "  - id: hunt-harder\n    title: Harder\n    cost: 1\n    value: 2\n"
                 "    ruled_out_by:\n      - other-location\n      - other-locaton\n"
                 "  - {id: odd, title: Odd, cost: 1, value: 2, needs: one-item}\n")
    known = {"other-location", "competitor"}

    def team_problems() -> list[str]:
        return [p for p in check_catalog(PlaybooksConfig(folders=(tmp_path,)), known)[1] if p.startswith(str(path))]

    assert team_problems() == [
        f"{path}:10: alternatives.2.needs: Input should be 'several-items'",
    ]
    write(tmp_path, "alternatives.yaml", path.read_text().replace("  - {id: odd, title: Odd, cost: 1, value: 2, "
                                                                  "needs: one-item}\n", ""))
    assert team_problems() == [f"{path}:9: alternatives.1.ruled_out_by.1: no playbook has a check 'other-locaton'; "
                        "did you mean 'other-location'?"]
    # `amends check` against the playbooks in force: the shipped ties are all fine, the team's typo is named.
    team = write(tmp_path / "team", "alternatives.yaml", "alternatives:\n"
                 "  - {id: hunt, title: Hunt, cost: 1, value: 2, ruled_out_by: [other-locaton]}\n")
    write(tmp_path, "amends.yaml", "cases: {channel: C0CASES01}\nplaybooks:\n  folders: [team]\n")
    checked = run_cli("check", cwd=tmp_path)
    assert checked.returncode == 2
    assert checked.stderr.count("no playbook has a check") == 1
    assert (f"{team.relative_to(tmp_path)}:2: alternatives.0.ruled_out_by.0: no playbook has a check 'other-locaton'; "
            "did you mean 'other-location'?") in checked.stderr
