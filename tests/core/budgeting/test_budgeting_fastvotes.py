"""The fast path of the VOTES section (bytes, one regular expression, merged keys) against the
general path (line by line, CSV reader when quoted): same instance, profile, voters, lines and
errors, on every file of ``pb/`` and on hand-made and random variants; the C-level merge of
ballots with points and the supporter index against the plain ones."""

from __future__ import annotations

import gzip
import re
from fractions import Fraction

import pytest
from budgeting_helpers import LARGE, make_pb, pb_files
from hypothesis import given, settings
from hypothesis import strategies as st

from parlons.core.budgeting import satisfaction
from parlons.core.budgeting.fastvotes import plain_keys
from parlons.core.budgeting.model import Instance, Profile, Project, merge_ballots, merge_points
from parlons.core.budgeting.pabulib import PabulibError, parse_pabulib, read_pabulib

VOTES_HEADER = re.compile(rb"(?m)^VOTES\r?\n([^\n]*)\n")


def _state(profile) -> tuple:  # noqa: ANN001
    """Everything a profile gives its callers."""
    return (profile.vote_type, profile.columns, profile.ballots, profile.voter_ballot,
            profile.ballot_projects(), profile.ballot_points(), profile.multiplicities(),
            profile.num_voters, profile.num_ballots, profile.column("vote"),
            [(v.voter_id, v.fields, v.line) for v in profile.voters])


def _outcome(parse) -> tuple:  # noqa: ANN001
    try:
        instance, profile = parse()
    except PabulibError as error:
        return ("error", str(error))
    return ("ok", instance, _state(profile))


def _same_both_ways(text: str, tmp_path=None) -> tuple:  # noqa: ANN001
    """Parse ``text`` with and without the fast path (and from bytes when ``tmp_path``)."""
    general = _outcome(lambda: parse_pabulib(text, fast=False))
    assert _outcome(lambda: parse_pabulib(text)) == general
    if tmp_path is not None:
        path = tmp_path / "x.pb"
        path.write_bytes(text.encode("utf-8"))
        assert _outcome(lambda: read_pabulib(path)) == general
    return general


def _is_plain(data: bytes) -> bool:
    """Whether the fast path applies to a file's VOTES section."""
    match = VOTES_HEADER.search(data)
    header = match.group(1).rstrip(b"\r").split(b";")
    wanted = [header.index(c) for c in (b"vote", b"points") if c in header]
    return plain_keys(data, match.end(), len(header), min(wanted), max(wanted)) is not None


@pytest.mark.slow
def test_budgeting_fast_path_equals_general_path_on_every_pb_file():
    plain = 0
    for path in pb_files():
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
        instance, profile = read_pabulib(path)
        general_i, general_p = parse_pabulib(text, fast=False)
        assert instance == general_i, path.name
        assert _state(profile) == _state(general_p), path.name
        plain += _is_plain(data)
    assert plain >= 0.9 * len(pb_files())  # the fast path is the usual one


@pytest.mark.slow
@pytest.mark.parametrize("name", ["Poland_Katowice_2020", "Poland_Wroclaw_2015_up_to_150",
                                  "Netherlands_Amsterdam_252"])
def test_budgeting_fast_path_equals_general_path_on_large_files(name):
    # cumulative points, CRLF choose-1 with non-ASCII districts, long approval ballots
    data = gzip.decompress((LARGE / f"{name}.pb.gz").read_bytes())
    assert _is_plain(data)
    instance, profile = read_pabulib(LARGE / f"{name}.pb.gz")
    general_i, general_p = parse_pabulib(data.decode("utf-8-sig"), fast=False)
    assert instance == general_i
    assert _state(profile) == _state(general_p)


VARIANTS = {
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "mixed line breaks": lambda t: t.replace("\nb;", "\r\nb;"),
    "lone cr": lambda t: t.replace("\nb;", "\rb;"),
    "cr inside a field": lambda t: t.replace("\nb;", "\nb\r;"),
    "cr starting a last field": lambda t: t.replace("\nc;2\n", "\nc;\r2\n"),
    "no final line break": lambda t: t.rstrip("\n"),
    "trailing blank lines": lambda t: t + "\n \n\n",
    "blank line inside": lambda t: t.replace("\nb;", "\n\nb;"),
    "quoted field": lambda t: t.replace("\nb;", '\n"b";'),
    "extra field": lambda t: t.replace("\nb;", "\nb;x;"),
    "missing field": lambda t: t.replace("\nc;2", "\nc"),
    "spaces in votes": lambda t: t.replace(";1,2", "; 2 , 1 "),
    "non-ascii voter id": lambda t: t.replace("\nb;", "\nżółw;"),
    "empty vote": lambda t: t.replace("\nc;2", "\nc;"),
    "no votes": lambda t: t[:t.index("\nVOTES\n") + 21],
    "bom": lambda t: "\ufeff" + t,
    # where the reader cannot stop decoding at the VOTES header: the whole text decides
    "lowercase section": lambda t: t.replace("\nVOTES\n", "\n votes \n"),
    "quoted header": lambda t: t.replace("\nvoter_id;vote", '\n"voter_id";vote'),
    "a VOTES line in a quoted name": lambda t: t.replace(";project 1", ';"a\nVOTES\nb"'),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("vote_type", ["approval", "ordinal"])
def test_budgeting_fast_path_variants(variant, vote_type, tmp_path):
    text = make_pb(100, [("1", 50), ("2", 60)],
                   [("a", "1,2"), ("b", "2,1"), ("c", "2"), ("d", "1,2")], vote_type)
    _same_both_ways(VARIANTS[variant](text), tmp_path)


def _points_text(header: str, votes: list[tuple[str, ...]]) -> str:
    order = {"voter_id": 0, "vote": 1, "points": 2, "district": 3}
    rows = [";".join(v[order[c]] for c in header.split(";")) for v in votes]
    text = make_pb(100, [("1", 50), ("2", 60)], [], "cumulative", points=True)
    return text.replace("voter_id;vote;points", header) + "\n".join(rows) + "\n"


@pytest.mark.parametrize("header", ["voter_id;vote;points;district", "points;vote;voter_id",
                                    "vote;district;points;voter_id"])
def test_budgeting_fast_path_points_in_any_column(header, tmp_path):
    votes = [("a", "1,2", "3,1", "Śródmieście"), ("b", "2,1", "1,3", "Wola"),
             ("c", "1,2", "3,1", "Wola"), ("d", "2", "4", "")]
    text = _points_text(header, votes)
    assert _is_plain(text.encode())
    outcome = _same_both_ways(text, tmp_path)
    assert outcome[0] == "ok"
    assert [(b.projects, b.points, b.multiplicity) for b in outcome[2][2]] == [
        (("1", "2"), (3, 1), 3), (("2",), (4,), 1)]
    # a points count that does not match names the line of its first voter, both ways
    votes[2] = ("c", "1,2", "3", "Wola")
    outcome = _same_both_ways(_points_text(header, votes), tmp_path)
    assert outcome[0] == "error" and "2 projects but 1 points" in outcome[1]
    assert outcome[1].startswith(f"line {_points_text(header, votes).count(chr(10)) - 1}:")


FIELD = st.one_of(st.text(alphabet=st.sampled_from(list("12 ,xż")), max_size=4),
                  st.text(alphabet=st.sampled_from(list("12 ,;\"\r\nxż")), max_size=5))


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.tuples(FIELD, FIELD, FIELD), max_size=6),
       points=st.booleans(), tail=st.sampled_from(["", "\n", "\r\n", "\n\n", "\r"]))
def test_budgeting_fast_path_equals_general_path_on_random_sections(rows, points, tail):
    # random fields with separators, quotes and line breaks: the same profile or error
    text = make_pb(100, [("1", 50), ("2", 60)], [], "cumulative" if points else "approval",
                   points=points)
    text = text.replace("voter_id;vote;points", "voter_id;vote;points;extra")
    if not points:
        text = text.replace("voter_id;vote", "voter_id;vote;extra")
    body = "\n".join(";".join(row) + (";x" if points else "") for row in rows)
    _same_both_ways(text + body + tail)


@st.composite
def _ballots(draw):  # noqa: ANN001, ANN201
    """Ballots as tuples of project ids, some unknown to the instance, some named twice."""
    names = ["a", "b", "c", "zz"]  # "zz" is not a project of the instance
    return draw(st.lists(st.lists(st.sampled_from(names), max_size=5).map(tuple),
                         max_size=8))


COSTS = st.sampled_from([0, 3, 7, Fraction(5, 2)])


@settings(max_examples=200, deadline=None)
@given(ballots=_ballots(), costs=st.tuples(COSTS, COSTS, COSTS),
       vote_type=st.sampled_from(["approval", "ordinal"]),
       sat=st.sampled_from(["cost", "cardinality", "points"]),
       weights=st.lists(st.integers(1, 5), min_size=8, max_size=8))
def test_budgeting_supporter_index_equals_the_ballot_utilities(ballots, costs, vote_type, sat,
                                                                weights):
    projects = {p: Project(p, c) for p, c in zip("abc", costs, strict=True)}
    instance = Instance({"vote_type": vote_type}, 10, projects)
    entries = [(b, None) for b in ballots]
    merged, index = merge_ballots(vote_type, entries, weights[:len(entries)])
    profile = Profile(vote_type, ["voter_id", "vote"], [], merged, index)
    index: dict = {p: ([], []) for p in projects}  # from each ballot's utilities, one by one
    for i, ballot in enumerate(profile.ballots):
        for p, u in satisfaction.ballot_utilities(instance, ballot, sat).items():
            if u > 0:
                index[p][0].append(i)
                index[p][1].append(u)
    assert satisfaction.supporters(instance, profile, sat) == index
    assert satisfaction.total_satisfaction(instance, profile, sat) == {
        p: sum(profile.ballots[i].multiplicity * u for i, u in zip(*index[p], strict=True))
        for p in projects}


@settings(max_examples=200, deadline=None)
@given(ballots=st.lists(st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 3)),
                                 max_size=4), max_size=8),
       vote_type=st.sampled_from(["cumulative", "ordinal"]),
       weights=st.lists(st.integers(1, 5), min_size=8, max_size=8))
def test_budgeting_merge_points_equals_merge_ballots(ballots, vote_type, weights):
    entries = [(tuple(p for p, _ in b), tuple(x for _, x in b)) for b in ballots]
    multiplicity = weights[:len(entries)]
    merged, index = merge_ballots(vote_type, entries, multiplicity)
    projects, points, counts, index2 = merge_points(
        vote_type, [e[0] for e in entries], [e[1] for e in entries], multiplicity)
    assert [(b.projects, b.points, b.multiplicity) for b in merged] == list(
        zip(projects, points, counts, strict=True))
    assert index2 == index
