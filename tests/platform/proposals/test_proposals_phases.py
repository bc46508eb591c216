"""Following a process and the "new phase started" notification.

The periodic task ``tasks.announce_new_phases`` notifies the followers of every process whose
current phase was not announced yet; the sent-marker (``PhaseAnnouncement``, unique per phase)
is written in the same transaction, so reruns and concurrent workers never notify twice."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connections
from django.test import Client
from django.utils import timezone

from parlons.platform.proposals import services, tasks
from parlons.platform.proposals.models import Follow, Notification, PhaseAnnouncement

ROLES = ["anonymous", "citizen", "moderator", "process_admin", "org_admin", "other_org_admin"]


@pytest.fixture
def people(citizen, org_moderator, process_admin, org_admin, other_org_admin):
    return {"anonymous": None, "citizen": citizen, "moderator": org_moderator,
            "process_admin": process_admin, "org_admin": org_admin,
            "other_org_admin": other_org_admin}


def _client(person) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


def _follow_url(space) -> str:
    return f"/propositions/espaces/{space.slug}/suivre/"


@pytest.mark.django_db
def test_follow_matrix(people, process, component):
    list_page = f"/participer/{process.slug}/c/{component.pk}/"
    for role in ROLES:
        client = _client(people[role])
        assert client.get(_follow_url(process)).status_code == 405, role
        response = client.post(_follow_url(process), {"next": list_page})
        assert response.status_code == 302, role
        if role == "anonymous":
            assert "/compte/connexion/" in response["Location"]
            continue
        assert response["Location"] == list_page
        assert Follow.objects.filter(user=people[role], space=process).count() == 1, role
    assert Follow.objects.filter(space=process).count() == len(ROLES) - 1
    # the same button again stops following
    client = _client(people["citizen"])
    client.post(_follow_url(process))
    assert not Follow.objects.filter(user=people["citizen"], space=process).exists()


@pytest.mark.django_db
def test_follow_hidden_foreign_and_unsafe_next(people, process):
    client = _client(people["citizen"])
    response = client.post(_follow_url(process), {"next": "https://evil.example/"})
    assert response["Location"] == f"/participer/{process.slug}/"
    assert client.post(_follow_url(process), HTTP_HOST="val.testserver").status_code == 404
    assert _client(people["other_org_admin"]).post(
        _follow_url(process), HTTP_HOST="val.testserver").status_code == 404
    process.visibility = "private"
    process.save()
    Follow.objects.all().delete()
    assert client.post(_follow_url(process)).status_code == 404
    assert _client(people["process_admin"]).post(_follow_url(process)).status_code == 302
    assert list(Follow.objects.values_list("user__email", flat=True)) == [
        people["process_admin"].email]


def _space_url(space) -> str:
    return f"/participer/{space.slug}/"


@pytest.mark.django_db
def test_the_follow_panel_on_the_process_page(people, process, component):
    """Every signed-in person who sees the process gets the button; anonymous people a link to
    log in that comes back here; the proposals list no longer carries it."""
    for role in ROLES:
        response = _client(people[role]).get(_space_url(process))
        assert response.status_code == 200, role
        page = response.content.decode()
        assert 'id="follow-process-title"' in page, role
        if role == "anonymous":
            assert f'action="{_follow_url(process)}"' not in page
            assert f'href="/compte/connexion/?next={_space_url(process)}"' in page
            continue
        assert f'action="{_follow_url(process)}"' in page, role
        assert ">Suivre ce processus</button>" in page, role
    list_page = _client(people["citizen"]).get(f"/participer/{process.slug}/c/{component.pk}/")
    assert f'action="{_follow_url(process)}"' not in list_page.content.decode()


@pytest.mark.django_db
def test_the_follow_panel_follows_the_visibility_of_the_space(people, process, organisation):
    from parlons.platform.spaces.models import Space

    assert _client(people["other_org_admin"]).get(
        _space_url(process), HTTP_HOST="val.testserver").status_code == 404
    process.visibility = "private"
    process.save()
    for role in ("anonymous", "citizen", "moderator", "other_org_admin"):
        assert _client(people[role]).get(_space_url(process)).status_code == 404, role
    for role in ("process_admin", "org_admin"):
        page = _client(people[role]).get(_space_url(process)).content.decode()
        assert f'action="{_follow_url(process)}"' in page, role
    body = Space.objects.create(organisation=organisation, kind="body", title="Conseil de quartier",
                                slug="conseil", is_published=True, visibility="public")
    page = _client(people["citizen"]).get(_space_url(body)).content.decode()
    assert 'id="follow-process-title"' not in page  # no phases, nothing to announce


@pytest.mark.django_db
def test_following_from_the_process_page_without_javascript(people, process):
    client = _client(people["citizen"])
    url = _space_url(process)
    response = client.post(_follow_url(process), {"next": url}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    page = response.content.decode()
    assert "Vous suivez ce processus" in page and ">Ne plus suivre ce processus</button>" in page
    assert Follow.objects.filter(user=people["citizen"], space=process).count() == 1
    page = client.post(_follow_url(process), {"next": url}, follow=True).content.decode()
    assert ">Suivre ce processus</button>" in page
    assert not Follow.objects.filter(user=people["citizen"], space=process).exists()


@pytest.mark.django_db
def test_following_with_htmx_swaps_the_button_and_announces_it(people, process):
    client = _client(people["citizen"])
    response = client.post(_follow_url(process), {"next": _space_url(process)},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.startswith('<form id="follow-process-form"')
    assert 'id="follow-process-button"' in fragment  # htmx puts the focus back on it
    assert ">Ne plus suivre ce processus</button>" in fragment
    assert 'id="follow-process-status" hx-swap-oob="innerHTML">Vous suivez ce processus' in \
        fragment
    assert Follow.objects.filter(user=people["citizen"], space=process).count() == 1
    # no leftover flash message for the next page: the status region said it
    assert "Vous suivez ce processus" not in client.get(_space_url(process)).content.decode()
    fragment = client.post(_follow_url(process), HTTP_HX_REQUEST="true").content.decode()
    assert ">Suivre ce processus</button>" in fragment
    assert "Vous ne suivez plus ce processus" in fragment
    assert not Follow.objects.filter(space=process).exists()
    anonymous = _client(None).post(_follow_url(process), HTTP_HX_REQUEST="true")
    assert anonymous.status_code == 302 and not Follow.objects.exists()


@pytest.mark.django_db
def test_new_phase_is_announced_once_to_followers(people, process, make_user,
                                                  django_capture_on_commit_callbacks):
    followers = [people["citizen"], make_user("voisine@example.org", language="en")]
    bystander = make_user("passant@example.org")
    for person in followers:
        services.follow_space(actor=person, space=process)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):  # e-mails leave after the commit
        assert tasks.announce_new_phases() == 2  # "Contributions" started today
    notes = Notification.objects.filter(kind="phase").order_by("user__email")
    assert sorted(n.user_id for n in notes) == sorted(p.pk for p in followers)
    texts = {n.user.email: n.text for n in notes}
    assert texts["citoyenne@example.org"] == (
        "Une nouvelle phase a commencé dans « Place du Marché » : Contributions.")
    assert texts["voisine@example.org"] == (
        "A new phase started in “Place du Marché”: Contributions.")
    assert all(n.url == f"/participer/{process.slug}/" for n in notes)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in followers)
    assert not Notification.objects.filter(user=bystander).exists()
    marker = PhaseAnnouncement.objects.get()
    assert (marker.phase.title, marker.recipients) == ("Contributions", 2)

    # idempotent: rerunning the task sends nothing more
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.announce_new_phases() == 0
    assert Notification.objects.filter(kind="phase").count() == 2 and len(mail.outbox) == 2

    # the next phase starts: announced once more
    today = timezone.localdate()
    from parlons.platform.spaces.models import Phase

    process.phases.filter(title="Contributions").update(end_date=today - dt.timedelta(1),
                                                        start_date=today - dt.timedelta(5))
    Phase.objects.create(space=process, title="Vote", position=2, start_date=today,
                         end_date=today + dt.timedelta(10))
    assert tasks.announce_new_phases() == 2
    assert Notification.objects.filter(kind="phase").count() == 4
    assert set(PhaseAnnouncement.objects.values_list("phase__title", flat=True)) == {
        "Contributions", "Vote"}


@pytest.mark.django_db
def test_stale_forced_private_and_unpublished(people, process, make_user):
    services.follow_space(actor=people["citizen"], space=process)
    services.follow_space(actor=people["process_admin"], space=process)
    today = timezone.localdate()
    contributions = process.phases.get(title="Contributions")
    # a phase that started long ago (first run on an existing site) is not announced
    contributions.start_date = today - dt.timedelta(10)
    contributions.save()
    assert tasks.announce_new_phases() == 0
    assert not PhaseAnnouncement.objects.exists()
    # unpublished processes are never announced
    process.forced_phase = process.phases.get(title="Information")
    process.is_published = False
    process.save()
    assert tasks.announce_new_phases() == 0
    # a forced phase is announced whatever its dates; a follower who lost access is skipped
    process.is_published = True
    process.visibility = "private"
    process.save()
    assert tasks.announce_new_phases() == 1
    assert list(Notification.objects.filter(kind="phase").values_list("user_id", flat=True)) \
        == [people["process_admin"].pk]


@pytest.mark.django_db
def test_phase_notifications_in_the_notifications_page(people, process):
    services.follow_space(actor=people["citizen"], space=process)
    tasks.announce_new_phases()
    page = _client(people["citizen"]).get("/propositions/notifications/").content.decode()
    assert "Une nouvelle phase a commencé dans « Place du Marché » : Contributions." in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_concurrent_workers_announce_a_phase_once(people, process, make_user):
    followers = [make_user() for _n in range(12)]
    for person in followers:
        services.follow_space(actor=person, space=process)
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def worker():
        try:
            barrier.wait()
            results.append(tasks.announce_new_phases())
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(results) == [0, 0, 0, 0, 0, 12]
    assert Notification.objects.filter(kind="phase").count() == 12
    assert PhaseAnnouncement.objects.count() == 1
