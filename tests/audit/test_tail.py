"""`flask audit tail`: the newest rows, oldest first, one tab-separated line each."""
from tests.audit.conftest import last_audit_id


def test_tail_prints_the_newest_rows_oldest_first(runner, add_events):
    add_events(5, action="thing.made", object_type="gadget")
    last = last_audit_id()
    result = runner.invoke(args=["audit", "tail", "-n", "2"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == [str(last - 1), str(last)]
    row_id, occurred_at, actor, role, action, target, request_id = lines[-1].split("\t")
    assert (actor, role, action, target, request_id) == ("system", "-", "thing.made", "gadget:4", "-")
    assert occurred_at.endswith("+00:00")


def test_tail_defaults_to_20_rows(runner, add_events):
    add_events(25)
    result = runner.invoke(args=["audit", "tail"])
    assert len(result.stdout.splitlines()) == 20


def test_tail_refuses_a_count_below_1(runner):
    result = runner.invoke(args=["audit", "tail", "-n", "0"])
    assert result.exit_code == 2
    assert "Invalid value for '-n'" in result.stderr
