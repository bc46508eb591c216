"""Pseudonyms and signed tokens."""

from __future__ import annotations

import re
import time

import pytest

from parlons.platform.accounts import pseudonyms
from parlons.platform.accounts.tokens import (
    make_confirmation_token,
    make_time_trap,
    read_confirmation_token,
    time_trap_age,
)

pytestmark = pytest.mark.django_db


def test_pseudonyms_agree_in_gender_and_vary():
    feminine = {noun for noun, gender in pseudonyms.ANIMALS if gender == "f"}
    masculine_only = {m for m, f in pseudonyms.ADJECTIVES if m != f}
    names = {pseudonyms.generate_pseudonym() for _ in range(300)}
    assert len(names) > 250
    for name in names:
        match = re.fullmatch(r"(\S+) (\S+) (\d\d)", name)
        assert match, name
        noun, adjective, _number = match.groups()
        if noun in feminine:
            assert adjective not in masculine_only, name
        assert len(name) <= 60


def test_time_trap_measures_the_age():
    token = make_time_trap(now=1000.0)
    assert time_trap_age(token, now=1003.5) == pytest.approx(3.5)
    assert time_trap_age(token + "x") is None
    assert time_trap_age(make_time_trap(now=time.time() - 2 * 86400)) is None


def test_confirmation_token_round_trip(make_user):
    user = make_user("a@example.org")
    assert read_confirmation_token(make_confirmation_token(user)) == (user.pk, "a@example.org")
    assert read_confirmation_token("garbage") is None
