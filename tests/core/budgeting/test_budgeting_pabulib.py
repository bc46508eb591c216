"""Pabulib reader, writer and validator: real corpus round trip and hand-made edge cases."""

from __future__ import annotations

import gzip
import time

import pytest
from budgeting_helpers import LARGE, PB, make_pb, pb_files

from parlons.core.budgeting.pabulib import (
    PabulibError,
    parse_pabulib,
    read_pabulib,
    validate,
    write_pabulib,
)


@pytest.mark.slow
def test_budgeting_every_pb_file_round_trips():
    for path in pb_files():
        instance, profile = read_pabulib(path)
        assert instance.projects, path.name
        again_i, again_p = parse_pabulib(write_pabulib(instance, profile))
        assert again_i == instance, path.name
        assert again_p.ballots == profile.ballots, path.name
        assert [(v.voter_id, v.fields) for v in again_p.voters] == [
            (v.voter_id, v.fields) for v in profile.voters
        ], path.name
        # META counts agree with the data in the real corpus
        assert int(instance.meta["num_projects"]) == len(instance.projects), path.name
        assert int(instance.meta["num_votes"]) == len(profile.voters), path.name


@pytest.mark.slow
def test_budgeting_large_files_read_and_merge():
    # all 17 are read by benchmarks/budgeting_large.py; two kinds here (cumulative, ordinal)
    files = sorted(LARGE.glob("*.pb.gz"))
    assert len(files) == 17
    for path in (LARGE / "Netherlands_Amsterdam_252.pb.gz", LARGE / "Poland_Krakow_2024.pb.gz"):
        instance, profile = read_pabulib(path)
        assert int(instance.meta["num_votes"]) == len(profile.voters) == profile.num_voters
        assert len(profile.ballots) <= len(profile.voters)


def test_budgeting_warszawa_2026_merges_to_51k_ballots_fast():
    start = time.process_time()
    instance, profile = read_pabulib(LARGE / "Poland_Warszawa_2026.pb.gz")
    elapsed = time.process_time() - start
    assert len(profile.voters) == 61668
    assert 50_000 < len(profile.ballots) < 52_000
    assert elapsed < 5  # the target is < 1 s for 4 MB on an unloaded machine


def test_budgeting_quoted_names_bom_crlf_and_gzip(tmp_path):
    text = make_pb(100, [("1", 50, '"Parc; jeux ""neufs"""'), ("2", 60)],
                   [("a", "1,2"), ("b", "2,1"), ("c", "2")])
    data = ("\ufeff" + text.replace("\n", "\r\n")).encode("utf-8")
    path = tmp_path / "x.pb.gz"
    path.write_bytes(gzip.compress(data))
    instance, profile = read_pabulib(path)
    assert instance.projects["1"].name == 'Parc; jeux "neufs"'
    assert instance.meta["description"] == "test"
    # "1,2" and "2,1" are the same approval ballot
    assert sorted((b.projects, b.multiplicity) for b in profile.ballots) == [
        (("1", "2"), 2), (("2",), 1)]
    assert profile.voter_ballot == [0, 0, 1]
    out = tmp_path / "y.pb"
    write_pabulib(instance, profile, out)
    again_i, again_p = read_pabulib(out)
    assert again_i == instance and again_p.ballots == profile.ballots


@pytest.mark.parametrize("name", [
    "Poland_Swiecie_2023.pb",  # approval, extra ballot columns
    "Poland_Gdansk_2020_Rudniki.pb",  # cumulative (points)
    "Poland_Warszawa_2018_Pole_Mokotowskie.pb",  # scoring
    "US_Stanford_Dataset_PB_Chicago_35th_Ward_2021_vote_rankings.pb",  # ordinal
    "Poland_Zabrze_2020_Osiedle_Mlodego_Gornika.pb",  # choose-1
])
def test_budgeting_fast_votes_reader_equals_the_csv_path(name):
    # the VOTES section is split line by line unless it has quotes: quoting every field of a
    # real file sends it through the CSV reader, which must give the same profile
    text = (PB / name).read_text(encoding="utf-8-sig")
    head, _, votes = text.partition("\nVOTES\n")
    rows = votes.splitlines()
    quoted = "\n".join([rows[0]] + [";".join(f'"{f}"' for f in r.split(";")) for r in rows[1:]])
    fast_i, fast_p = parse_pabulib(text)
    csv_i, csv_p = parse_pabulib(head + "\nVOTES\n" + quoted + "\n")
    assert fast_i == csv_i
    assert fast_p.ballots == csv_p.ballots and fast_p.voter_ballot == csv_p.voter_ballot
    assert [(v.voter_id, v.fields, v.line) for v in fast_p.voters] == [
        (v.voter_id, v.fields, v.line) for v in csv_p.voters]
    assert len(fast_p.voters) == int(fast_i.meta["num_votes"])


def test_budgeting_blank_vote_lines_are_skipped_and_lines_kept():
    text = make_pb(100, [("1", 50), ("2", 60)], [("a", "1"), ("b", "2,1"), ("c", "9")])
    text = text.replace("\nb;", "\n\n   \nb;") + "\n\n"
    instance, profile = parse_pabulib(text)
    lines = text.splitlines()
    assert [(v.voter_id, v.line) for v in profile.voters] == [
        (v, lines.index(f"{v};{vote}") + 1) for v, vote in (("a", "1"), ("b", "2,1"), ("c", "9"))]
    assert profile.num_voters == 3
    assert any(f"line {lines.index('c;9') + 1}: voter 'c' names unknown" in str(i)
               for i in validate(instance, profile))
    broken = text.replace("b;2,1", "b;2,1;x")
    with pytest.raises(PabulibError, match=f"line {lines.index('b;2,1') + 1}: 3 fields"):
        parse_pabulib(broken)


def test_budgeting_ordinal_ballots_keep_their_order():
    text = make_pb(100, [("1", 50), ("2", 60)], [("a", "1,2"), ("b", "2,1")], "ordinal")
    _, profile = parse_pabulib(text)
    assert len(profile.ballots) == 2


def test_budgeting_cumulative_points_merge_by_pairs():
    text = make_pb(100, [("1", 50), ("2", 60)],
                   [("a", '"1,2"', '"3,2"'), ("b", '"2,1"', '"2,3"'), ("c", '"1,2"', '"2,3"')],
                   "cumulative", points=True)
    _, profile = parse_pabulib(text)
    assert sorted((b.projects, b.points, b.multiplicity) for b in profile.ballots) == [
        (("1", "2"), (2, 3), 1), (("1", "2"), (3, 2), 2)]


def test_budgeting_validation_names_the_lines():
    text = make_pb(100, [("1", 50), ("2", 60)],
                   [("a", "1"), ("a", "2"), ("c", "9"), ("d", "1,2")],
                   extra_meta="max_length;1")
    text = text.replace("num_votes;4", "num_votes;5")
    instance, profile = parse_pabulib(text)
    messages = [str(i) for i in validate(instance, profile)]
    # 1-based line of the first vote: VOTES, then the header, then the votes
    votes_start = text.splitlines().index("VOTES") + 3
    assert "error: META num_votes is 5 but VOTES lists 4" in messages
    assert any(m.startswith(f"error: line {votes_start + 1}: duplicate voter id 'a'")
               for m in messages)
    assert any(m.startswith(f"error: line {votes_start + 2}: voter 'c' names unknown project")
               for m in messages)
    assert any(m.startswith(f"error: line {votes_start + 3}:") and "max_length 1" in m
               for m in messages)


def test_budgeting_validation_budget_overrun_and_cost_limit():
    text = make_pb(100, [("1", 50), ("2", 60)], [("a", "1,2")], extra_meta="max_sum_cost;100")
    text = text.replace("project_id;cost;name", "project_id;cost;name;selected")
    text = text.replace("project 1\n", "project 1;1\n").replace("project 2\n", "project 2;1\n")
    instance, profile = parse_pabulib(text)
    messages = [str(i) for i in validate(instance, profile)]
    assert any("selected projects cost 110, more than the budget 100" in m for m in messages)
    assert any("spends 110, more than max_sum_cost 100" in m for m in messages)


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (lambda t: t.replace("1;50;", "1;fifty;"), "cost of project '1' is not a number"),
        (lambda t: t.replace("2;60;project 2", "2;60;project 2;extra"), "the PROJECTS header"),
        (lambda t: t.replace("budget;100\n", ""), "META has no budget"),
        (lambda t: t.replace("2;60;", "1;60;"), "duplicate project id '1'"),
    ],
)
def test_budgeting_malformed_files_raise_with_line(broken, expected):
    text = make_pb(100, [("1", 50), ("2", 60)], [("a", "1")])
    with pytest.raises(PabulibError, match=expected):
        parse_pabulib(broken(text))


def _latin1(tmp_path, text: str, old: bytes, new: bytes):  # noqa: ANN202
    path = tmp_path / "latin1.pb"
    path.write_bytes(text.encode("utf-8").replace(old, new))
    return path


def test_budgeting_a_file_that_is_not_utf8_names_its_line(tmp_path):
    text = make_pb(100, [("1", 50), ("2", 60)], [("a", "1"), ("b", "2")])
    text = text.replace("voter_id;vote", "voter_id;vote;district").replace("\nb;2", "\nb;2;x")
    text = text.replace("\na;1", "\na;1;y")
    line = text[:text.index("\nb;") + 1].count("\n") + 1
    message = rf"^line {line}: the file is not UTF-8 text"
    # in a column the ballots do not need: read, and refused when the voters are used
    instance, profile = read_pabulib(_latin1(tmp_path, text, b";2;x", b";2;\xe9"))
    assert [b.projects for b in profile.ballots] == [("1",), ("2",)]
    for use in (lambda: profile.voters, lambda: profile.column("district"),
                lambda: write_pabulib(instance, profile), lambda: validate(instance, profile)):
        with pytest.raises(PabulibError, match=message):
            use()
    # in a vote, or before the VOTES section: refused at once
    with pytest.raises(PabulibError, match=message):
        read_pabulib(_latin1(tmp_path, text, b"\nb;2", b"\nb;2\xe9"))
    meta = text[:text.index("budget;")].count("\n") + 1
    with pytest.raises(PabulibError, match=rf"^line {meta}: the file is not UTF-8 text"):
        read_pabulib(_latin1(tmp_path, text, b"budget;", b"budg\xe9t;"))


def test_budgeting_fractional_costs_are_exact():
    text = make_pb(100, [("1", "4000.0"), ("2", "12.5")], [("a", "1,2")])
    instance, _ = parse_pabulib(text)
    assert instance.projects["1"].cost == 4000 and isinstance(instance.projects["1"].cost, int)
    assert instance.projects["2"].cost * 2 == 25


def test_budgeting_data_is_present():
    assert (PB / "Poland_Wieliczka_2023_Green_Budget.pb").is_file()


def test_budgeting_reading_restores_the_garbage_collector(tmp_path):
    # reading pauses the cyclic collector (many objects, no cycles) and gives it back as it
    # was, also when the file is refused
    import gc

    good = tmp_path / "good.pb"
    good.write_text(make_pb(10, [("A", 5)], [("1", "A"), ("2", "A")]))
    bad = tmp_path / "bad.pb"
    bad.write_text(make_pb(10, [("A", 5)], [("1", "A")]).replace("budget;10", "budget;x"))
    was = gc.isenabled()
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            assert read_pabulib(good)[1].num_voters == 2
            assert gc.isenabled() is enabled
            with pytest.raises(PabulibError):
                read_pabulib(bad)
            assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
