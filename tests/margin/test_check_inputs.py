"""The order form's live check answers every input with JSON, never a server error."""
import pytest

from tests.orders.conftest import IIN, as_client, kase, make_client, market_cast  # noqa: F401
from tests.secondary.conftest import clock  # noqa: F401

QUERIES = ["", "venue=kase", "venue=kase&code=KZTK", "venue=kase&code=NOPE&side=buy&type=limit&price=1&lots=1",
           "venue=aix&code=KZAP&side=buy&type=market&lots=1", "venue=moon&code=X&side=buy&type=limit&price=1&lots=1",
           "venue=kase&code=KZTK&side=up&type=limit&price=1&lots=1",
           "venue=kase&code=KZTK&side=sell&type=market&lots=999999999",
           "venue=kase&code=KZTK&side=buy&type=limit&price=1e30&lots=1",
           "venue=kase&code=KZTK&side=buy&type=limit&price=-5&lots=1",
           "venue=kase&code=KZTK&side=buy&type=limit&price=NaN&lots=1",
           "venue=kase&code=KZTK&side=buy&type=limit&price=30000&lots=abc",
           "venue=kase&code=" + "K" * 300 + "&side=buy&type=limit&price=30000&lots=1"]


@pytest.mark.parametrize("query", QUERIES)
def test_every_input_gets_an_answer(kase, as_client, query):
    answer = as_client().get(f"/cabinet/orders/check?{query}")
    assert answer.status_code == 200 and answer.is_json
    assert answer.json["accepted"] is False and answer.json["message"]
