"""cluster_backup_info's one-pass listing (``_coverage.scan_listing`` on the raw payload) against the
two-pass computation it replaced: shape every event (``_shapes.backup_events``), then ``summarize`` and
``select_events``, with the per-event rules of the previous ``NodeBackups._add`` kept below as the reference.
Generated payloads, malformed values included (hypothesis)."""

import copy
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.restorekit.instaclustr.plugins.module_utils import _coverage, _shapes

NOW = 1_790_000_000_000
HOUR = 3_600_000


class PreviousNodeBackups(_coverage.NodeBackups):
    """``NodeBackups`` reading one event at a time with the rules of the previous implementation."""

    __slots__ = ()

    @classmethod
    def scan(cls, data_centre, node, backup_types=_coverage.DEFAULT_BACKUP_TYPES):
        record = cls(node.get("id"), data_centre.get("id"), backup_types)
        for event in node.get("events") or ():
            record._add(event)
        return record

    def _add(self, event):
        epoch_ms = _coverage.epoch_ms
        start = epoch_ms(event.get("start"))
        if start is not None and (self.first_seen_ms is None or start < self.first_seen_ms):
            self.first_seen_ms = start
        kind = event.get("type")
        state = event.get("state")
        if isinstance(kind, str) and kind not in _coverage.KNOWN_EVENT_TYPES and kind not in self.backup_types:
            self.unknown_types.add(kind)
        if state == "FAILED":
            self.failed = True
        elif state == "ACTIVE" and kind != "commitlog-upload":
            self.active = True
        elif state == "COMPLETED":
            end = epoch_ms(event.get("end"))
            if end is None:
                return
            if kind in self.backup_types:
                if self.first_snapshot_end_ms is None or end < self.first_snapshot_end_ms:
                    self.first_snapshot_end_ms = end
                if self.latest_snapshot_end_ms is None or end > self.latest_snapshot_end_ms:
                    self.latest_snapshot_end_ms = end
                    self.latest_snapshot = event
            elif kind == "commitlog-upload":
                if self.newest_commit_log_end_ms is None or end > self.newest_commit_log_end_ms:
                    self.newest_commit_log_end_ms = end


def previous(payload, now_ms, max_age, backup_types, range_known, types, states, since_ms, until_ms, include_events):
    """What cluster_backup_info computed before the one-pass listing."""
    backups = _shapes.backup_events(payload)
    nodes = [PreviousNodeBackups.scan(dc, node, backup_types) for dc, node in _coverage.iter_nodes(backups)]
    summary = _coverage.summarize_nodes(nodes, now_ms, max_age, backup_types, range_known)
    listing = {"id": backups["id"], "name": backups["name"],
               "data_centres": _coverage.select_events(backups, types, states, since_ms, until_ms, include_events)}
    return listing, summary, backups


# ---- generated raw payloads (camelCase, as the API sends them) ---------------------------------------

TIMES = st.one_of(
    st.integers(min_value=NOW - 8 * 24 * HOUR, max_value=NOW),
    st.integers(min_value=NOW - 8 * 24 * HOUR, max_value=NOW),  # weight: most times are plain ints in range
    st.sampled_from([None, -1, 0, _coverage.LATEST_MS, _coverage.LATEST_MS + 1, True, False, "1790000000000",
                     float(NOW - HOUR), 1.5e12 + 0.5, math.inf, -math.inf]),
)
TYPES = st.sampled_from(["snapshot-upload", "snapshot-upload", "commitlog-upload", "commitlog-upload", "cassandra-restore",
                         "postgresql-backup", "opensearch-snapshot", None, 7, ("a", "b")])
STATES = st.sampled_from(["COMPLETED", "COMPLETED", "ACTIVE", "FAILED", None, "PENDING", 3])
NESTED = st.dictionaries(st.sampled_from(["a", "dbPassword"]), st.integers(), max_size=2)
EXTRA = st.dictionaries(st.sampled_from(["backupId", "sizeBytes", "adminPassword", "nodeName", "Start"]),
                        st.one_of(st.integers(), st.text(max_size=4), NESTED), max_size=2)


@st.composite
def raw_event(draw):
    event = {"type": draw(TYPES), "state": draw(STATES), "start": draw(TIMES), "end": draw(TIMES),
             "progress": draw(st.sampled_from([0.0, 0.5, 1.0, None]))}
    for key in ("type", "state", "end", "progress"):
        if draw(st.integers(0, 9)) == 0:
            del event[key]
    event.update(draw(EXTRA))
    return event


EVENTS = st.one_of(st.lists(st.one_of(raw_event(), raw_event(), raw_event(), st.sampled_from([None, "x", 3, []])),
                            max_size=12),
                   st.sampled_from([None, "not a list", {}]))


@st.composite
def raw_node(draw):
    node = {"id": draw(st.sampled_from(["n1", "n2", "n3", None])), "publicAddress": "203.0.113.1",
            "privateAddress": "10.0.0.1", "events": draw(EVENTS)}
    if draw(st.booleans()):
        node.pop("publicAddress")
    return node


@st.composite
def raw_payload(draw):
    data_centres = draw(st.lists(st.one_of(
        st.fixed_dictionaries({"id": st.sampled_from(["dc1", "dc2", None]), "name": st.just("US_EAST_1"),
                               "nodes": st.one_of(st.lists(st.one_of(raw_node(), st.just("x")), max_size=4), st.none())}),
        st.just(None)), max_size=3))
    return {"id": "c", "name": "orders-prod", "clusterDataCentres": data_centres, "extraField": 1}


EVENT_TYPES = ["snapshot-upload", "commitlog-upload", "cassandra-restore", "postgresql-backup"]
FILTER_TYPES = st.one_of(st.none(), st.lists(st.sampled_from(EVENT_TYPES), max_size=2))
FILTER_STATES = st.one_of(st.none(), st.lists(st.sampled_from(["COMPLETED", "ACTIVE", "FAILED"]), max_size=2))
BOUND = st.one_of(st.none(), st.integers(min_value=NOW - 8 * 24 * HOUR, max_value=NOW))
BACKUP_TYPES = st.sampled_from([("snapshot-upload",), ("postgresql-backup",), ("opensearch-snapshot", "snapshot-upload"),
                               ("commitlog-upload", "snapshot-upload")])


@settings(max_examples=300, deadline=None)
@given(payload=raw_payload(), types=FILTER_TYPES, states=FILTER_STATES, since_ms=BOUND, until_ms=BOUND,
       include_events=st.booleans(), backup_types=BACKUP_TYPES, range_known=st.booleans(),
       max_age=st.one_of(st.none(), st.sampled_from([60, 3600.0, 86400])))
def test_one_pass_listing_equals_the_two_pass_computation(payload, types, states, since_ms, until_ms, include_events,
                                                          backup_types, range_known, max_age):
    untouched = copy.deepcopy(payload)
    listing, nodes = _coverage.scan_listing(payload, backup_types, types, states, since_ms, until_ms, include_events)
    summary = _coverage.summarize_nodes(nodes, NOW, max_age, backup_types, range_known)
    expected_listing, expected_summary, shaped = previous(untouched, NOW, max_age, backup_types, range_known, types, states,
                                                          since_ms, until_ms, include_events)
    assert listing == expected_listing
    assert summary == expected_summary
    # ``summarize`` on the shaped events (what the other modules call) agrees too.
    assert _coverage.summarize(shaped, NOW, max_age, backup_types, range_known) == expected_summary
    assert payload == untouched  # the raw payload is read, never changed


def test_one_pass_listing_refuses_a_payload_that_is_not_an_object():
    try:
        _coverage.scan_listing(["not", "an", "object"])
    except _shapes.PayloadError as error:
        assert "expected the cluster's backup events as a JSON object, got a list" in str(error)
    else:
        raise AssertionError("a list payload was accepted")


def test_one_pass_listing_shapes_only_the_events_it_returns():
    payload = {"id": "c", "name": "x", "clusterDataCentres": [{"id": "dc1", "name": "R", "nodes": [{
        "id": "n1", "publicAddress": None, "privateAddress": "10.0.0.1", "events": [
            {"type": "commitlog-upload", "state": "COMPLETED", "start": NOW - 2 * HOUR, "end": NOW - HOUR, "secretPassword": "p"},
            {"type": "snapshot-upload", "state": "COMPLETED", "start": NOW - 3 * HOUR, "end": NOW - 2 * HOUR,
             "backupId": "b1", "adminPassword": "p"},
        ]}]}]}
    listing, nodes = _coverage.scan_listing(payload)
    assert listing["data_centres"][0]["nodes"][0]["events"] == [
        {"type": "snapshot-upload", "state": "COMPLETED", "progress": None, "start": NOW - 3 * HOUR, "end": NOW - 2 * HOUR,
         "backup_id": "b1"}]
    assert nodes[0].restorable_until_ms() == NOW - HOUR  # the commit log not returned still counts
