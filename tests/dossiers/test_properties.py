"""Random action sequences through perform_action: the table is never violated and the cached row always
equals what the events rebuild."""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from congvu.dossiers import states
from congvu.dossiers.services import DossierError, perform_action
from congvu.dossiers.services.verification import drift_of
from tests.dossiers.conftest import local
from tests.dossiers.test_processing import PARAMS


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(actions=st.lists(st.sampled_from(sorted(PARAMS)), min_size=1, max_size=12))
def test_random_sequences_respect_the_table_and_rebuild(receive, staff, actions):
    d = receive(at=local(2026, 3, 2, 9))
    at = local(2026, 3, 2, 9, 30)
    for action in actions:
        at += dt.timedelta(hours=1)
        before = states.DossierState(d.state)
        try:
            d = perform_action(d, action, actor=staff.leader, at=at, **PARAMS[action])
        except DossierError:
            d.refresh_from_db()
            assert d.state == before.value
            continue
        assert d.state == states.next_state(states.Action(action), before).value
    d.refresh_from_db()
    assert drift_of(d) == []
    assert d.event_count == d.events.count() == d.lock_version
