"""Pipeline behaviour on planted structures, determinism, filters, smoothing, map and CLI."""

import json

import numpy as np
import pytest
from lxml import etree
from opinions_paths import conversation_dir
from sklearn.metrics import adjusted_rand_score, silhouette_score

from parlons.cli import main
from parlons.core.opinions import Conversation, OpinionState, Settings, analyse, read_conversation
from parlons.core.opinions.clustering import weighted_silhouette
from parlons.core.opinions.pipeline import select_participants
from parlons.core.opinions.report import to_dict
from parlons.core.opinions.svg import render_svg


def planted(seed=1, sizes=(120, 90, 60), n_statements=40, seen=0.6):
    """Groups with opposite views on blocks of statements; statement 0 agreed by all."""
    rng = np.random.default_rng(seed)
    k = len(sizes)
    profile = np.where(rng.random((k, n_statements)) < 0.5, 0.9, 0.1)
    profile[:, 0] = 0.97
    ps, ss, vs, truth = [], [], [], []
    pid = 0
    for g, size in enumerate(sizes):
        for _ in range(size):
            for s in np.flatnonzero(rng.random(n_statements) < seen):
                ps.append(pid)
                ss.append(int(s))
                vs.append(1 if rng.random() < profile[g, s] else -1)
            truth.append(g)
            pid += 1
    conv = Conversation.from_events(ps, ss, vs, statement_ids=list(range(n_statements)),
                                    statement_texts=[f"statement {i}" for i in
                                                     range(n_statements)])
    return conv, np.array(truth)


def test_planted_groups_are_recovered():
    conv, truth = planted()
    a = analyse(conv)
    assert a.n_groups == 3
    assert adjusted_rand_score(truth, a.groups) == pytest.approx(1.0)
    assert [int((a.groups == g).sum()) for g in range(3)] == [120, 90, 60]  # by size
    assert a.consensus["agree"][0]["statement"] == 0
    assert a.divisive and all(d["z"] > 1.28 for d in a.divisive)
    assert a.group_informed_consensus()[0]["statement"] == 0
    for reps in a.representative:
        assert reps  # every group has representative statements
    assert a.subgroups.min() >= 0


def test_same_seed_same_result_and_json_stable():
    conv, _ = planted(seed=3)
    one, two = analyse(conv, Settings(seed=5)), analyse(conv, Settings(seed=5))
    assert np.array_equal(one.groups, two.groups)
    assert json.dumps(to_dict(one)) == json.dumps(to_dict(two))


def test_minimum_participants_rule():
    # 20 participants, 10 statements: 5 cast 8 votes, the others 1..3 votes
    ps, ss, vs = [], [], []
    counts = [8] * 5 + [3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    for p, c in enumerate(counts):
        for s in range(c):
            ps.append(p)
            ss.append(s)
            vs.append(1 if (p + s) % 3 else -1)
    conv = Conversation.from_events(ps, ss, vs)
    keep = select_participants(np.array(counts), 10)
    # min(7, 10) = 7 votes qualifies 5; topped up with the 10 most active (ties: lower id)
    assert keep.sum() == 15 and keep[:15].all() and not keep[15:].any()
    a = analyse(conv)
    assert a.in_conv.sum() == 15
    # with 3 statements only, min(7, 3) = 3 votes suffice
    assert select_participants(np.array([3, 2, 3]), 3, min_participants=0).tolist() == [
        True, False, True]


def test_moderated_out_statements_are_zeroed_and_never_selected():
    conv, _ = planted(seed=4)
    conv.moderation[[0, 5, 6]] = -1
    a = analyse(conv)
    assert np.all(a.projection.components[:, [0, 5, 6]] == 0)
    chosen = {e["statement"] for reps in a.representative for e in reps}
    chosen |= {e["statement"] for lst in a.consensus.values() for e in lst}
    chosen |= {e["statement"] for e in a.divisive}
    assert not chosen & {0, 5, 6}
    assert np.all(a.priority[[0, 5, 6]] == 0)


def test_k_smoother_with_previous_state():
    conv, _ = planted(seed=1)
    state = OpinionState(last_k=2, last_k_count=9, smoothed_k=2)
    ks = []
    for _ in range(4):
        a = analyse(conv, state=state)
        ks.append(a.n_groups)
        state = a.state
    assert ks == [2, 2, 2, 3]  # 3 must win four recomputes in a row
    assert state.smoothed_k == 3 and state.last_k_count == 4


def test_group_numbers_follow_previous_centres():
    conv, truth = planted(seed=1)
    first = analyse(conv)
    flipped = OpinionState(3, 5, 3, tuple(reversed(first.state.group_centres)))
    second = analyse(conv, state=flipped)
    assert np.array_equal(second.groups, 2 - first.groups)


def test_weighted_silhouette_equals_participant_silhouette():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(12, 2))
    weights = rng.integers(1, 6, size=12)
    labels = np.arange(12) % 3
    expanded = np.repeat(centres, weights, axis=0)
    want = silhouette_score(expanded, np.repeat(labels, weights))
    assert weighted_silhouette(centres, weights, labels) == pytest.approx(want)


def test_svg_map_is_accessible():
    conv = read_conversation(conversation_dir("brexit-consensus"))
    a = analyse(conv)
    root = etree.fromstring(render_svg(a).encode())
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "map-title map-desc"
    assert "Brexit" in root.find("s:title", ns).text
    assert f"{a.n_groups} opinion groups" in root.find("s:desc", ns).text
    labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    sizes = [int((a.groups == g).sum()) for g in range(a.n_groups)]
    assert labels == [f"{chr(65 + g)} ({sizes[g]})" for g in range(a.n_groups)]
    discs = root.findall(".//s:circle", ns)
    assert len(discs) == len(a.base_centres)


def test_cli_json_table_svg_and_state(tmp_path, capsys):
    folder = str(conversation_dir("brexit-consensus"))
    svg, state = tmp_path / "map.svg", tmp_path / "state.json"
    assert main(["opinions", "analyse", folder, "--format", "json", "--svg", str(svg),
                 "--state", str(state)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["participants"] == 204 and data["k"] == len(data["groups"])
    assert sum(g["size"] for g in data["groups"]) == data["participants_in_groups"]
    assert all(isinstance(m, int) for g in data["groups"] for m in g["members"])
    assert svg.read_text().startswith("<svg")
    assert json.loads(state.read_text())["last_k_count"] == 1
    assert main(["opinions", "analyse", folder, "--state", str(state)]) == 0
    assert json.loads(state.read_text())["last_k_count"] == 2
    table = capsys.readouterr().out
    assert "Group A" in table and "Consensus (agree)" in table


def test_cli_bad_input_exit_2(tmp_path, capsys):
    assert main(["opinions", "analyse", str(tmp_path / "missing")]) == 2
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "votes.csv").write_text("timestamp,comment-id,voter-id,vote\n1,1,1,9\n")
    assert main(["opinions", "analyse", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: votes.csv, line 2") and "Traceback" not in err


@pytest.mark.parametrize("participants, statements, votes, groups", [
    ([1], [1], [1], 1),                                  # one vote
    ([1, 2, 3], [1, 1, 1], [1, 1, 1], 1),                # everybody at the same point
    ([1, 1, 2, 2], [1, 2, 1, 2], [0, 0, 0, 0], 1),       # passes only
    ([1, 2, 3, 4], [1, 2, 1, 2], [1, -1, -1, 1], 2),     # two opposite pairs
])
def test_tiny_conversations_do_not_break(participants, statements, votes, groups):
    a = analyse(Conversation.from_events(participants, statements, votes))
    assert a.n_groups == groups
    assert (a.groups >= 0).all()
    assert to_dict(a)["k"] == groups
    etree.fromstring(render_svg(a).encode())


def test_cli_json_without_members(tmp_path, capsys):
    out = tmp_path / "report.json"
    folder = str(conversation_dir("london.youth.policing"))
    assert main(["opinions", "analyse", folder, "--format", "json", "--no-members",
                 "--output", str(out), "--seed", "3"]) == 0
    data = json.loads(out.read_text())
    assert data["seed"] == 3 and data["participant_coordinates"] is None
    assert all("members" not in g for g in data["groups"])
    assert capsys.readouterr().out == ""


def test_conversation_rejects_out_of_range_codes():
    from parlons.core.opinions import OpinionsDataError

    with pytest.raises(OpinionsDataError, match="statement index"):
        Conversation(np.arange(2), np.arange(2), [0, 1], [0, 2], [1, 1])
