"""Readers: Sortition Foundation and replication formats, errors with line numbers, households."""

from __future__ import annotations

import pytest
from sortition_paths import INSTANCES, load

from parlons.core.sortition.address import address_key, households
from parlons.core.sortition.model import SortitionInputError
from parlons.core.sortition.readers import read_instance, read_quotas, read_replication

QUOTAS = "feature,value,min,max\ngender,F,1,2\ngender,M,1,2\nage,young,1,2\nage,old,1,2\n"


def test_normalised_and_replication_formats_agree():
    sf = load("geneva_30")
    rep = read_replication(INSTANCES / "geneva_30/original/categories.csv",
                           INSTANCES / "geneva_30/original/respondents.csv", 30)
    assert sf.n == 360 and len(sf.features) == 7 and len(sf.quotas) == 25
    assert rep.digest() == sf.digest()


def test_replication_without_id_column_numbers_rows():
    inst = read_replication(INSTANCES / "example_small_20/original/categories.csv",
                            INSTANCES / "example_small_20/original/respondents.csv", 20)
    assert inst.n == 200 and "row2" in inst.ids and "row201" in inst.ids


def test_flex_columns_are_read():
    quotas = read_quotas(INSTANCES / "sf_fixture_22/original/features.csv")
    female = next(q for q in quotas if q.value == "Female")
    assert (female.min, female.max, female.min_flex, female.max_flex) == (11, 12, 0, 12)


def test_unknown_value_names_the_line(write):
    features = write("f.csv", QUOTAS)
    people = write("p.csv", "id,gender,age\na,F,young\nb,X,old\nc,M,middle\n")
    with pytest.raises(SortitionInputError) as err:
        read_instance(features, people, 2)
    message = str(err.value)
    assert "line 3: unknown value 'X' for feature 'gender'" in message
    assert "line 4: unknown value 'middle' for feature 'age'" in message


def test_duplicate_id_names_both_lines(write):
    features = write("f.csv", QUOTAS)
    people = write("p.csv", "id,gender,age\na,F,young\nb,M,old\na,M,old\n")
    with pytest.raises(SortitionInputError, match="line 4: duplicate id 'a' \\(first on line 2\\)"):
        read_instance(features, people, 2)


def test_values_match_case_insensitively(write):
    features = write("f.csv", QUOTAS)
    people = write("p.csv", "id,Gender,age\na,f,YOUNG\nb,M,old\n")
    inst = read_instance(features, people, 2)
    assert inst.values.tolist() == [[0, 0], [1, 1]]


@pytest.mark.parametrize("text, expected", [
    ("feature,value,min,max\ng,F,3,2\n", "line 2: min 3 is above max 2"),
    ("feature,value,min,max\ng,F,1,x\n", "line 2: column 'max' must be a non-negative integer"),
    ("feature,value,min,max\ng,F,1,2\ng,f,0,1\n", "line 3: duplicate quota"),
    ("feature,value,min,max,min_flex,max_flex\ng,F,1,2,2,3\n", "line 2: flex bounds"),
    ("a,b\n1,2\n", "expected a header"),
])
def test_quota_errors(write, text, expected):
    with pytest.raises(SortitionInputError, match=expected):
        read_quotas(write("f.csv", text))


def test_missing_feature_column(write):
    features = write("f.csv", QUOTAS)
    people = write("p.csv", "id,gender\na,F\n")
    with pytest.raises(SortitionInputError, match="no column for feature 'age'"):
        read_instance(features, people, 1)


def test_address_normalisation():
    cols = ["address", "postcode"]
    assert (address_key(["12 Rue Émile-Zola", "75 001"], cols)
            == address_key(["12 r. EMILE  zola", "75001"], cols))
    assert (address_key(["Flat 3, 15 Maple Avenue", "EH1 1AA"], cols)
            == address_key(["flat 3 15 maple ave", "eh11aa"], cols))
    assert address_key(["Flat 3, 15 Maple Avenue", "EH1 1AA"], cols) != address_key(
        ["Flat 4, 15 Maple Avenue", "EH1 1AA"], cols)
    assert households([["", ""], [" ", ""]], cols).tolist() == [-1, -1]


def test_households_in_shared_fixture():
    # README: addresses rewritten so that 30 pairs and 5 triples share an address.
    inst = load("sf_fixture_22", "normalized_households")
    labels = inst.household[inst.household >= 0]
    sizes = sorted(__import__("collections").Counter(labels.tolist()).values())
    assert sizes == [2] * 30 + [3] * 5
    assert (load("sf_fixture_22").household == -1).all()
