"""Readers: Polis export (real data), JSON round trip, latest-vote rule, clear errors."""

import json

import pytest
from opinions_paths import POLIS, conversation_dir

from parlons.core.opinions import (
    Conversation,
    OpinionsDataError,
    read_conversation,
    read_json,
    read_polis_export,
    write_json,
)


def _triples(conv):
    return set(zip(conv.participant_ids[conv.vote_participant].tolist(),
                   conv.statement_ids[conv.vote_statement].tolist(),
                   conv.vote_value.tolist(), strict=True))


@pytest.mark.slow
def test_latest_vote_events_reproduce_polis_own_matrix():
    """votes.csv keeps every vote event; keeping the latest per participant and statement must
    give exactly the matrix Polis itself exported in participants-votes.csv."""
    checked = 0
    for folder in sorted(POLIS.iterdir()):
        if not ((folder / "votes.csv").exists() and (folder / "participants-votes.csv").exists()):
            continue
        events = read_polis_export([folder / "comments.csv", folder / "votes.csv"])
        wide = read_polis_export([folder / "comments.csv", folder / "participants-votes.csv"])
        assert _triples(events) == _triples(wide), folder.name
        checked += 1
    assert checked >= 12


def test_bowling_green_inventory_figures():
    conv = read_conversation(conversation_dir("american-assembly.bowling-green"))
    assert (conv.n_participants, conv.n_statements, conv.n_votes) == (2031, 896, 225524)
    assert int((conv.moderation == -1).sum()) == 289
    assert conv.reference_groups is not None
    assert set(conv.reference_groups.tolist()) == {-1, 0, 1}
    assert conv.title


def test_folder_prefers_vote_events_and_keeps_reference_groups():
    conv = read_conversation(conversation_dir("brexit-consensus"))
    assert conv.n_votes == 5303
    assert conv.reference_groups is not None and (conv.reference_groups >= 0).sum() > 100
    assert conv.statement_texts[list(conv.statement_ids).index(8)].startswith("Labour should")


def test_latest_vote_wins_by_time_then_input_order():
    conv = Conversation.from_events(
        ["a", "a", "a", "b", "b"], [1, 1, 2, 1, 1], [1, -1, 0, 1, -1],
        [5.0, 3.0, 1.0, 2.0, 2.0])
    votes = {(conv.participant_ids[p], conv.statement_ids[s]): v
             for p, s, v in zip(conv.vote_participant, conv.vote_statement, conv.vote_value,
                                strict=True)}
    # a/1: time 5 (agree) beats time 3; b/1: equal times -> the later row (disagree)
    assert votes == {("a", 1): 1, ("a", 2): 0, ("b", 1): -1}


def test_json_round_trip(tmp_path):
    conv = read_conversation(conversation_dir("london.youth.policing"))
    conv.is_meta[0] = True
    path = tmp_path / "conv.json"
    write_json(conv, path)
    back = read_json(path)
    assert back.n_votes == conv.n_votes
    assert back.statement_ids.tolist() == conv.statement_ids.tolist()
    assert back.moderation.tolist() == conv.moderation.tolist()
    assert back.is_meta[0] and not back.is_meta[1:].any()
    assert back.statement_texts == conv.statement_texts
    assert {(str(p), s, v) for p, s, v in _triples(conv)} == _triples(back)


def test_json_vote_words_and_times(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"statements": [{"id": "s1", "text": "Trams", "meta": True}],
                                "votes": [
                                    {"participant": 7, "statement": "s1", "vote": "agree",
                                     "time": 2},
                                    {"participant": 7, "statement": "s1", "vote": "pass",
                                     "time": 1},
                                    {"participant": 8, "statement": "s2", "vote": "disagree"}]}))
    conv = read_conversation(path)
    assert conv.statement_ids.tolist() == ["s1", "s2"]
    assert conv.is_meta.tolist() == [True, False]
    assert sorted(conv.vote_value.tolist()) == [-1, 1]


@pytest.mark.parametrize("files, message", [
    ({"comments.csv": "comment-id,moderated\n1,1\n"}, "needs votes.csv"),
    ({"votes.csv": "timestamp,comment-id,voter-id\n1,1,1\n"}, "missing column(s) vote"),
    ({"votes.csv": "timestamp,comment-id,voter-id,vote\n1,1,1,2\n"}, "line 2: vote must be"),
    ({"votes.csv": "timestamp,comment-id,voter-id,vote\n1,x,1,1\n"}, "line 2: bad comment-id"),
    ({"participants-votes.csv": "participant,group-id,n-comments,n-votes,n-agree,n-disagree,"
                                "0,1\n0,1,0,2,1,1,1,5\n"}, "line 2: votes must be"),
    ({"participants-votes.csv": "participant,group-id,n-comments,n-votes,n-agree,n-disagree,"
                                "0,1\n0,1,0,2,1,1\n"}, "line 2: 6 cells, expected 8"),
    ({"comments.csv": "comment-id,moderated\n1,7\n", "votes.csv":
      "timestamp,comment-id,voter-id,vote\n1,1,1,1\n"}, "moderated must be"),
    ({"conv.json": "{not json"}, "not a readable JSON"),
    ({"conv.json": '{"votes": [{"participant": 1, "statement": 1, "vote": "maybe"}]}'},
     "unknown vote"),
])
def test_bad_files_raise_clear_errors(tmp_path, files, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(OpinionsDataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_conversation(tmp_path if len(files) > 1 or "conv.json" not in files
                          else tmp_path / "conv.json")


def test_missing_path_and_empty_folder(tmp_path):
    with pytest.raises(OpinionsDataError, match="no such file"):
        read_conversation(tmp_path / "nope")
    with pytest.raises(OpinionsDataError, match="no .csv or .json"):
        read_conversation(tmp_path)


def test_wide_matrix_reader_matches_csv_module():
    """The byte-level reader of participants-votes.csv against a plain csv-module parse."""
    import csv

    path = conversation_dir("scoop-hivemind.ubi") / "participants-votes.csv"
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    first = header.index("n-disagree") + 1
    expected = {(int(r[0]), int(header[j]), int(r[j])) for r in body
                for j in range(first, len(header)) if r[j] != ""}
    conv = read_polis_export([path])
    assert _triples(conv) == expected
    groups = {int(r[0]): int(r[1]) for r in body if r[1] != ""}
    got = {int(p): int(g) for p, g in zip(conv.participant_ids, conv.reference_groups,
                                          strict=True) if g >= 0}
    assert got == groups
