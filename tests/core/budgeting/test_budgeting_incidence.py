"""Supporters indexed in NumPy from the vote texts (``incidence``) against the general path
(texts split and merged in Python, then :func:`satisfaction.supporters`): the same
supporters and, once the texts are known distinct, the same profile; ``None`` (and nothing
recorded) whenever the texts are not clean."""

from __future__ import annotations

import gzip

import pytest
from budgeting_helpers import LARGE, make_pb, pb_files
from hypothesis import given, settings
from hypothesis import strategies as st

from parlons.core.budgeting import incidence, mes, satisfaction
from parlons.core.budgeting.incidence import supporters_arrays
from parlons.core.budgeting.pabulib import parse_pabulib, read_pabulib


def _state(profile) -> tuple:  # noqa: ANN001
    return (profile.ballots, profile.voter_ballot, profile.multiplicities(),
            profile.num_ballots, [(v.voter_id, v.fields, v.line) for v in profile.voters])


def _check(text: str) -> bool:
    """Compare both paths on ``text``; whether the NumPy path applied."""
    instance, profile = parse_pabulib(text)
    _, general = parse_pabulib(text, fast=False)
    assert profile.pending_texts() is not None  # a plain section
    found = supporters_arrays(instance, profile)
    expected = satisfaction.supporters(instance, general, "cardinality")
    if found is not None:
        assert profile.pending_texts() is not None  # still unsplit: no Python work done
        assert profile.multiplicities() == general.multiplicities()
        assert profile.pending_texts() is not None
        assert {p: a.tolist() for p, a in zip(instance.projects, found, strict=True)} == {
            p: idx for p, (idx, _) in expected.items()}
    assert _state(profile) == _state(general)
    return found is not None


def test_budgeting_incidence_on_hand_made_texts():
    projects = [("1", 50), ("2", 60), ("10", 70)]  # "10" sorts before "2", as text
    clean = [("a", "1,10,2"), ("b", "2"), ("c", ""), ("d", "1,10,2"), ("e", "10")]
    assert _check(make_pb(100, projects, clean))
    assert _check(make_pb(100, projects, clean).replace("\n", "\r\n"))  # CR kept by "vote"
    # texts out of order: sorted, then merged with the texts naming the same set
    assert _check(make_pb(100, projects, clean + [("f", "2,10,1"), ("g", "10,1"),
                                                  ("h", "2,1,10")]))
    for vote in ("1,1", "2,1,2", "1,3", "1,,2", "1, 2", "1,2,", ",1", "1é"):
        # twice, unknown, blank, an accent: the general path
        assert not _check(make_pb(100, projects, clean + [("f", vote)])), vote
    ordinal = make_pb(100, projects, clean + [("f", "2,1")], "ordinal")
    assert _check(ordinal)  # ordinal ballots keep their order: "2,1" is its own ballot
    assert not _check(make_pb(100, projects, [("a", "2,1,2")], "ordinal"))


@pytest.mark.parametrize("width", [3, 9, 17, 33])
def test_budgeting_incidence_with_long_ids(width):
    # ids of one, two and three 64-bit words; over 32 bytes: the general path
    ids = [f"{i:0{width}d}" for i in range(40)]
    votes = [(f"v{k}", ",".join(sorted(ids[k % 7::5][:4], reverse=k % 3 == 0)))
             for k in range(60)]
    assert _check(make_pb(100, [(i, 10) for i in ids], votes)) == (width <= 32)


def test_budgeting_incidence_with_many_projects():
    # more projects than the look-up table takes: a binary search per name
    ids = [f"p{i}" for i in range(mes_table() + 50)]
    votes = [(f"v{k}", ",".join({ids[(k * 37 + j * 101) % len(ids)]: 0 for j in range(5)}))
             for k in range(300)]  # (in no particular order)
    assert _check(make_pb(10**6, [(i, 10) for i in ids], votes))


def mes_table() -> int:
    from parlons.core.budgeting import incidence

    return incidence._MAX_SLOTTED


NAMES = st.sampled_from(["1", "2", "10", "x", " 1", "", "12345678", "123456789"])


@settings(max_examples=300, deadline=None)
@given(votes=st.lists(st.lists(NAMES, max_size=4), max_size=8),
       vote_type=st.sampled_from(["approval", "ordinal"]), crlf=st.booleans())
def test_budgeting_incidence_equals_the_general_path_on_random_texts(votes, vote_type, crlf):
    projects = [("1", 5), ("2", 0), ("10", 7), ("12345678", 3), ("123456789", 4)]
    text = make_pb(100, projects, [(f"v{k}", ",".join(v)) for k, v in enumerate(votes)],
                   vote_type)
    if any(";" in ",".join(v) for v in votes) or not votes:
        return
    _check(text.replace("\n", "\r\n") if crlf else text)


@pytest.mark.slow
def test_budgeting_incidence_on_every_pb_file():
    applied = 0
    for path in pb_files():
        instance, profile = read_pabulib(path)
        if profile.pending_texts() is None:
            continue
        _, general = parse_pabulib(path.read_bytes().decode("utf-8-sig"), fast=False)
        found = supporters_arrays(instance, profile)
        if found is not None:
            applied += 1
            expected = satisfaction.supporters(instance, general, "cardinality")
            assert [a.tolist() for a in found] == [idx for idx, _ in expected.values()], path
        for sat in ("cost", "cardinality"):  # what the utilitarian completion of MES reads
            totals = mes._totals(mes.prepare(instance, profile, sat, arrays=False), sat)
            if totals is not None:
                assert totals == satisfaction.total_satisfaction(instance, general, sat), path
        assert _state(profile) == _state(general), path.name
    assert applied >= 300  # nearly every approval and ordinal file


@pytest.mark.slow
@pytest.mark.parametrize(("name", "completion"), [("Netherlands_Amsterdam_621", "add1u"),
                                                  ("Poland_Krakow_2024", "none")])
def test_budgeting_mes_from_the_texts_equals_mes_from_the_ballots(name, completion, monkeypatch):
    # CRLF long approval ballots; ordinal ballots
    text = gzip.decompress((LARGE / f"{name}.pb.gz").read_bytes()).decode("utf-8-sig")
    indexed = []

    def spy(instance, profile):  # noqa: ANN001, ANN202
        indexed.append(supporters_arrays(instance, profile))
        return indexed[-1]

    monkeypatch.setattr(incidence, "supporters_arrays", spy)
    instance, profile = parse_pabulib(text)
    fast = mes.equal_shares(instance, profile, "cost", completion)
    assert len(indexed) == 1 and indexed[0] is not None  # indexed in NumPy from the texts
    monkeypatch.setattr(mes, "_TEXTS_IN_NUMPY", float("inf"))
    instance, profile = parse_pabulib(text)
    slow = mes.equal_shares(instance, profile, "cost", completion)
    assert len(indexed) == 1  # not this time
    assert (fast.winners, fast.runs) == (slow.winners, slow.runs)
    monkeypatch.undo()  # the totals the utilitarian completion reads, from those arrays
    _, general = parse_pabulib(text, fast=False)
    data = mes.prepare(*parse_pabulib(text), "cost")
    assert data.supporter_arrays is not None
    assert mes._totals(data, "cost") == satisfaction.total_satisfaction(instance, general, "cost")


@pytest.mark.parametrize("vote_type", ["approval", "ordinal"])
def test_budgeting_incidence_when_the_last_line_has_no_line_break(vote_type):
    # CRLF line breaks but none after the last voter: "1,2\r" and "1,2" are two texts of
    # one ballot, to be merged like the general path merges them
    votes = [("a", "1,2"), ("b", "2"), ("c", "1,2")]
    text = make_pb(100, [("1", 50), ("2", 60)], votes, vote_type).replace("\n", "\r\n")
    _check(text.removesuffix("\r\n"))
