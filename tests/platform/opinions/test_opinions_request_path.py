"""The request path every page shares: per-process copies of organisations and spaces (kept
right after changes), the Redis cache backend's single-round-trip counters, rate limits."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parlons.platform.common import localcache, ratelimit
from parlons.platform.common.cache import RedisCache

REDIS_URL = os.environ.get("PARLONS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _vote(client, url, statement_pk, value="agree"):
    return client.post(url, {"action": "vote", "statement": statement_pk, "value": value},
                       HTTP_HX_REQUEST="true")


def _tables(captured) -> str:
    return " ".join(q["sql"] for q in captured.captured_queries)


@pytest.mark.django_db
def test_a_second_vote_reads_neither_organisation_nor_space(opinions, opinions_url):
    opinions.settings = {"anonymous": True}
    opinions.save()
    browser = Client()
    first, second = opinions.opinion_statements.order_by("pk")[:2]
    assert _vote(browser, opinions_url, first.pk).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert _vote(browser, opinions_url, second.pk).status_code == 200
    sql = _tables(captured)
    for table in ("organisations_organisation", "spaces_space", "spaces_phase",
                  "spaces_component", "spaces_componentstep"):
        assert f'FROM "{table}"' not in sql
    assert len(captured.captured_queries) == 3  # the upsert, the candidates, the text


@pytest.mark.django_db
def test_unpublishing_the_component_shows_at_once(opinions, opinions_url, citizen):
    client = Client()
    client.force_login(citizen)
    assert client.get(opinions_url).status_code == 200
    opinions.is_published = False
    opinions.save()
    assert client.get(opinions_url).status_code == 404


@pytest.mark.django_db
def test_closing_the_phase_closes_voting_at_once(opinions, opinions_url, citizen, process):
    client = Client()
    client.force_login(citizen)
    statement = opinions.opinion_statements.first()
    assert _vote(client, opinions_url, statement.pk).status_code == 200
    phase = process.phases.get(title="Contributions")
    phase.end_date = timezone.localdate() - dt.timedelta(days=1)
    phase.start_date = phase.end_date
    phase.save()
    assert _vote(client, opinions_url, statement.pk, "disagree").status_code == 403
    assert statement.votes.get().value == 1


@pytest.mark.django_db
def test_organisation_change_shows_at_once(client, organisation):
    assert "#123456" not in client.get("/theme.css").content.decode()
    organisation.primary_colour = "#123456"
    organisation.save()
    assert "#123456" in client.get("/theme.css").content.decode()


@pytest.mark.django_db
def test_change_on_another_server_shows_after_the_generation_changes(client, organisation):
    """Another server's save replaces the shared token: copies read under the old one go."""
    client.get("/theme.css")
    type(organisation).objects.filter(pk=organisation.pk).update(primary_colour="#654321")
    assert "#654321" not in client.get("/theme.css").content.decode()  # a kept copy
    from django.core.cache import cache

    cache.set(localcache.GENERATION_KEY, "another-server", timeout=None)
    assert "#654321" in client.get("/theme.css").content.decode()


@pytest.mark.django_db
def test_update_without_signal_shows_after_the_local_lifetime(client, organisation, settings):
    settings.PARLONS_LOCAL_CACHE_SECONDS = 0
    client.get("/theme.css")
    type(organisation).objects.filter(pk=organisation.pk).update(primary_colour="#abcdef")
    assert "#abcdef" in client.get("/theme.css").content.decode()


@pytest.mark.django_db
def test_each_reader_gets_its_own_copy(organisation):
    from parlons.platform.organisations.selectors import organisation_for_host

    first = organisation_for_host("testserver")
    first.name = "Changed in one request only"
    second = organisation_for_host("testserver")
    assert second.name == organisation.name
    assert second is not first


@pytest.fixture
def redis_cache():
    backend = RedisCache(REDIS_URL, {"KEY_PREFIX": f"parlons-test-{uuid.uuid4().hex}"})
    try:
        backend.get("ping")
    except Exception as error:  # noqa: BLE001 - a clear failure, never a skip
        pytest.fail(f"Redis is needed at {REDIS_URL} (PARLONS_TEST_REDIS_URL): {error}")
    yield backend
    backend.clear()


def test_redis_incr_keeps_django_semantics(redis_cache):
    with pytest.raises(ValueError, match="not found"):
        redis_cache.incr("missing")
    assert redis_cache.get("missing") is None
    redis_cache.set("counter", 5)
    assert redis_cache.incr("counter") == 6
    assert redis_cache.incr("counter", 10) == 16
    assert redis_cache.get("counter") == 16


def test_redis_client_is_built_once_per_pool(redis_cache):
    redis_cache.set("a", 1)
    client = redis_cache._cache.get_client("a", write=True)
    assert redis_cache._cache.get_client("b", write=True) is client


def test_redis_counts_several_keys_with_expiry_in_one_call(redis_cache):
    assert redis_cache.incr_with_expiry(["x", "y"], [60, 5]) == [1, 1]
    assert redis_cache.incr_with_expiry(["x", "y"], [60, 5]) == [2, 2]
    client = redis_cache._cache.get_client(None)
    ttl_x = client.ttl(redis_cache.make_key("x"))
    ttl_y = client.ttl(redis_cache.make_key("y"))
    assert 55 <= ttl_x <= 60
    assert 0 < ttl_y <= 5


def test_rate_limits_on_redis_count_each_limit(redis_cache, settings):
    settings.CACHES = {**settings.CACHES, "ratelimit-test": {
        "BACKEND": "parlons.platform.common.cache.RedisCache", "LOCATION": REDIS_URL,
        "KEY_PREFIX": redis_cache.key_prefix}}
    settings.RATELIMIT_USE_CACHE = "ratelimit-test"
    who = uuid.uuid4().hex
    limits = [("test.person", who, "2/m"), ("test.ip", "10.0.0.1" + who, "3/m")]
    assert [ratelimit.hit(limits) for _n in range(4)] == [False, False, True, True]
    assert ratelimit.hit([("test.person", "someone-else" + who, "2/m")]) is False


@pytest.mark.django_db
def test_rate_limits_on_local_memory(settings):
    who = uuid.uuid4().hex
    assert [ratelimit.hit([("test.local", who, "1/h")]) for _n in range(2)] == [False, True]


@pytest.mark.parametrize(("rate", "expected"), [("60/m", (60, 60)), ("600/5m", (600, 300)),
                                                 ("5/h", (5, 3600)), ("1/d", (1, 86400)),
                                                 ("10/s", (10, 1))])
def test_rates_are_parsed_like_django_ratelimit(rate, expected):
    assert ratelimit.parse_rate(rate) == expected


def test_unknown_rate_is_refused():
    with pytest.raises(ValueError, match="Unknown rate"):
        ratelimit.parse_rate("sixty per minute")


@pytest.mark.django_db
def test_votes_are_rate_limited_per_address_across_browsers(opinions, opinions_url, settings):
    settings.PARLONS_RATE_LIMITS = {**settings.PARLONS_RATE_LIMITS, "opinions_vote_ip": "2/m"}
    opinions.settings = {"anonymous": True}
    opinions.save()
    statement = opinions.opinion_statements.first()
    codes = [_vote(Client(), opinions_url, statement.pk).status_code for _n in range(3)]
    assert codes == [200, 200, 429]
    assert statement.votes.count() == 2
