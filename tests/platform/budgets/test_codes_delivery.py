"""Voting codes sent by e-mail or SMS: settings, public page, delivery task, SMS gateway.

The HTTP SMS backend is tested against a real HTTP server started in the test; the delivery
through the queue with a real Celery worker (``redis_worker``)."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from parlons.platform.budgets import census, codes, services, sms, tasks
from parlons.platform.budgets.models import Ballot, CodeRequest, VotingCode

pytestmark = pytest.mark.django_db

CODE = re.compile(r"\b[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}\b")
MARTIN = {"first_name": "Léa", "last_name": "Martin", "birth_date": dt.date(1990, 3, 12)}


def _url(pb, query=""):
    return f"/participer/{pb['space'].slug}/c/{pb['component'].pk}/{query}"


def _enable(pb, email=True, sms_=False):
    component = pb["component"]
    component.settings = {**component.settings, "voting_codes": True, "code_email": email,
                          "code_sms": sms_}
    component.save()
    return component


def _code_in(text: str) -> str:
    found = CODE.search(text)
    assert found, text
    return found.group(0)


def _vote(pb, code, title="Fresque", budget="city", receipt=None):
    return services.cast_ballot_with_code(budget=pb[budget], code=code,
                                          choices={pb["projects"][title].pk: 1},
                                          receipt=receipt or services.new_receipt())


# --- a real HTTP server standing for the SMS gateway -------------------------------------------

class Gateway:
    """Records each POST and answers with ``status`` (``hold`` delays the answer)."""

    def __init__(self):
        self.status, self.received = 200, []
        self.hold = threading.Event()
        self.hold.set()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", 0))
                gateway.received.append({"path": self.path, "headers": dict(self.headers),
                                         "body": json.loads(self.rfile.read(length))})
                gateway.hold.wait(10)
                self.send_response(gateway.status)
                if 300 <= gateway.status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a client that gave up (timeout test) is expected

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    server = Gateway()
    settings.PARLONS_SMS_BACKEND = "http"
    settings.PARLONS_SMS_URL = server.url
    settings.PARLONS_SMS_TOKEN = "secret-token"
    settings.PARLONS_SMS_SENDER = "MONTREVAL"
    settings.PARLONS_SMS_TIMEOUT = 5
    yield server
    server.close()


def test_http_sms_backend_posts_json_with_a_bearer_token(gateway):
    sms.get_backend().send("+33612345678", "Votre code : ABCD")
    [got] = gateway.received
    assert got["path"] == "/sms/send"
    assert got["headers"]["Authorization"] == "Bearer secret-token"
    assert got["headers"]["Content-Type"] == "application/json"
    assert got["body"] == {"to": "+33612345678", "text": "Votre code : ABCD",
                           "sender": "MONTREVAL"}


@pytest.mark.parametrize("status", [400, 401, 500, 503, 302])
def test_http_sms_backend_error_on_non_2xx(gateway, status):
    gateway.status = status
    with pytest.raises(sms.SmsError, match=str(status)) as error:
        sms.get_backend().send("+33612345678", "Votre code : ABCD-EFGH")
    assert "ABCD" not in str(error.value)  # the message (and its code) never in the error
    assert len(gateway.received) == 1  # a redirection is not followed


def test_http_sms_backend_timeout_and_unreachable(gateway, settings):
    settings.PARLONS_SMS_TIMEOUT = 0.2
    gateway.hold.clear()  # the gateway does not answer in time
    with pytest.raises(sms.SmsError, match="cannot be reached"):
        sms.get_backend().send("+33612345678", "x")
    gateway.hold.set()
    settings.PARLONS_SMS_URL = "http://127.0.0.1:9/"  # nothing listens there
    with pytest.raises(sms.SmsError, match="cannot be reached"):
        sms.get_backend().send("+33612345678", "x")


def test_sms_backend_setting(settings, caplog):
    settings.PARLONS_SMS_BACKEND = "console"
    with caplog.at_level("WARNING", logger="parlons.platform.budgets.sms"):
        sms.get_backend().send("+33612345678", "bonjour")
    assert "+33612345678" in caplog.text and "bonjour" in caplog.text
    settings.PARLONS_SMS_BACKEND = "http"
    settings.PARLONS_SMS_URL = "file:///etc/passwd"
    with pytest.raises(sms.SmsError, match="http"):
        sms.get_backend()
    settings.PARLONS_SMS_BACKEND = "carrier-pigeon"
    with pytest.raises(sms.SmsError, match="unknown"):
        sms.get_backend()


# --- destinations -----------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["06 12 34 56 78", "0612345678", "06.12.34.56.78",
                                 "+33 6 12 34 56 78", "+33612345678", "0033 6 12 34 56 78",
                                 "+33 (0)6 12 34 56 78", "06-12-34-56-78",
                                 "+33 06 12 34 56 78"])
def test_french_mobile_numbers_are_normalised_to_e164(raw):
    assert codes.normalise_phone(raw) == "+33612345678"
    assert codes.normalise_phone(raw.replace("6", "7", 1)).startswith("+337")


@pytest.mark.parametrize("raw, message", [
    ("01 23 45 67 89", "not a mobile number"),
    ("+44 7700 900123", "Only French mobile numbers"),
    ("06 12 34 56", "10 digits"),
    ("06 12 34 56 78 9", "10 digits"),
    ("zéro six", "digits only"),
    ("", "10 digits"),
])
def test_wrong_numbers_get_a_clear_message(raw, message):
    with pytest.raises(ValidationError, match=message):
        codes.normalise_phone(raw)


def test_destination_key_and_mask():
    assert codes.destination_key("lea@example.org") == codes.destination_key("lea@example.org")
    assert codes.destination_key("lea@example.org") != codes.destination_key("+33612345678")
    assert codes.mask("lea.martin@example.org") == "l…@example.org"
    assert codes.mask("+33612345678") == "06 •• •• •• 78"


# --- settings in the back office ---------------------------------------------------------------

def _rules(**extra):
    return {"op": "rules", "eligibility": "area_and_city", "minimum_age": 11, **extra}


def test_delivery_settings_in_the_manage_form(pb, org_admin, org_agent, set_phase):
    url = f"/gestion/composants/{pb['component'].pk}/contenu/"
    admin = Client()
    admin.force_login(org_admin)
    assert 'name="code_email"' in admin.get(url).content.decode()
    set_phase(pb, "Dépôt")  # before the vote
    response = admin.post(url, _rules(code_email="on"), follow=True)  # codes not accepted
    pb["component"].refresh_from_db()
    assert not pb["component"].settings.get("code_email")
    assert "one-time voting codes" in response.content.decode() or \
        "codes de vote" in response.content.decode()
    assert admin.post(url, _rules(voting_codes="on", code_email="on",
                                  code_sms="on")).status_code == 302
    pb["component"].refresh_from_db()
    assert pb["component"].settings["code_email"] and pb["component"].settings["code_sms"]
    agent = Client()
    agent.force_login(org_agent)
    assert agent.post(url, _rules(voting_codes="on")).status_code == 403
    set_phase(pb, "Vote")  # the vote is open: switching off is allowed, on is not
    assert admin.post(url, _rules(voting_codes="on", code_email="on")).status_code == 302
    pb["component"].refresh_from_db()
    assert pb["component"].settings["code_email"] and not pb["component"].settings["code_sms"]
    with pytest.raises(ValidationError, match="ne peut plus être activé"):
        codes.set_delivery(actor=org_admin, component=pb["component"], email=True, sms=True)


# --- requests with the census list --------------------------------------------------------------

def _ask(client, pb, **data):
    return client.post(_url(pb, "?v=get-code"), data)


def _martin_form(destination="lea@example.org", **extra):
    return {"destination": destination, "first_name": "Léa", "last_name": "MARTIN",
            "birth_date": "1990-03-12", **extra}


def test_emailed_code_replaces_the_letter_and_is_one_voter(coded_pb, org_admin, citizen,
                                                          django_capture_on_commit_callbacks):
    _enable(coded_pb)
    letters = {e.last_name: c for e, c in census.issue_letter_codes(
        actor=org_admin, component=coded_pb["component"])}
    client = Client()
    page = client.get(_url(coded_pb, "?v=get-code")).content.decode()
    assert 'name="first_name"' in page and 'name="area"' not in page
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(client, coded_pb, **_martin_form())
    assert response.status_code == 200 and "l…@example.org" in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["lea@example.org"]
    code = _code_in(message.body)
    assert census.find_code(coded_pb["component"], letters["Martin"]) is None  # replaced
    voting_code = census.find_code(coded_pb["component"], code)
    assert voting_code.channel == "email" and voting_code.census_entry.last_name == "Martin"
    request = CodeRequest.objects.get()
    assert (request.status, request.destination, request.outcome) == ("sent", "", "code")
    stored = json.dumps(list(CodeRequest.objects.values()), default=str) + json.dumps(
        list(VotingCode.objects.values()), default=str)
    assert code not in stored and code.replace("-", "") not in stored
    # the e-mailed code, a letter, an account of the same list entry: one voter
    _vote(coded_pb, code)
    services.declare_eligibility(actor=citizen, component=coded_pb["component"], area=None,
                                 **MARTIN)
    with pytest.raises(ValidationError, match="already voted|déjà voté"):
        services.cast_ballot(actor=citizen, budget=coded_pb["city"],
                             choices={coded_pb["projects"]["Fresque"].pk: 1},
                             receipt=services.new_receipt())
    assert Ballot.objects.filter(budget=coded_pb["city"]).count() == 1


def _page_text(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_census_page_does_not_tell_who_is_on_the_list(coded_pb,
                                                     django_capture_on_commit_callbacks):
    _enable(coded_pb)
    client = Client()
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        on_list = _ask(client, coded_pb, **_martin_form("x@example.org"))
        not_on_list = _ask(client, coded_pb, **_martin_form("x@example.org",
                                                            first_name="Lucie"))
        too_young = _ask(client, coded_pb, destination="x@example.org", first_name="Zoé",
                         last_name="Petit", birth_date="2020-01-01")
    assert on_list.status_code == not_on_list.status_code == too_young.status_code == 200
    assert _page_text(on_list) == _page_text(not_on_list) == _page_text(too_young)
    # the messages tell the owner of the address; only the first carries a code
    assert [bool(CODE.search(m.body)) for m in mail.outbox] == [True, False, False]
    assert VotingCode.objects.count() == 1
    assert list(CodeRequest.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "code", "declined", "declined"]


def test_limits_per_destination_and_per_person(coded_pb, django_capture_on_commit_callbacks):
    _enable(coded_pb)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        answers = [_ask(client, coded_pb, **_martin_form("lea@example.org")).status_code
                   for _i in range(4)]
    assert answers == [200, 200, 200, 400]
    assert CodeRequest.objects.count() == 3
    page = _ask(client, coded_pb, **_martin_form("LEA@example.org ")).content.decode()
    assert "heure" in page or "hour" in page  # same address whatever the case and spaces
    # per person: 5 codes an hour whatever the destination; then declined (same page)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            assert _ask(client, coded_pb, **_martin_form(f"lea{n}@example.org")).status_code \
                == 200
    outcomes = list(CodeRequest.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["code"] * 5 + ["declined"]


def test_ip_rate_limit(coded_pb, monkeypatch):
    from parlons.platform.budgets import views

    _enable(coded_pb)
    monkeypatch.setattr(views, "CODE_REQUEST_RATE", "2/h")
    client = Client()
    statuses = [_ask(client, coded_pb, **_martin_form(f"p{n}@example.org")).status_code
                for n in range(3)]
    assert statuses == [200, 200, 429]
    assert CodeRequest.objects.count() == 2


def test_page_refuses_bad_input_and_csrf(coded_pb):
    _enable(coded_pb, email=True, sms_=False)
    client = Client()
    for data, message in [(_martin_form("06 12 34 56 78"), "par courriel uniquement"),
                          (_martin_form("pas-une-adresse@"), "adresse électronique valide"),
                          (_martin_form(birth_date="2090-01-01"), "date"),
                          ({"destination": "lea@example.org"}, "obligatoire")]:
        response = _ask(client, coded_pb, **data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert not CodeRequest.objects.exists()
    strict = Client(enforce_csrf_checks=True)
    assert _ask(strict, coded_pb, **_martin_form()).status_code == 403
    assert not CodeRequest.objects.exists()


# --- requests without the census list --------------------------------------------------------

def test_without_census_one_destination_is_one_voter(pb, django_capture_on_commit_callbacks,
                                                     settings, caplog):
    _enable(pb, email=False, sms_=True)
    settings.PARLONS_SMS_BACKEND = "console"
    client = Client()
    page = client.get(_url(pb, "?v=get-code")).content.decode()
    assert 'name="area"' in page and 'name="first_name"' not in page
    centre = pb["areas"][0].pk
    form = {"destination": "06 12 34 56 78", "birth_date": "1990-01-01", "area": centre,
            "honest": "on"}
    too_young = _ask(client, pb, **{**form, "birth_date": str(dt.date.today().year - 5)
                                    + "-01-01"})
    assert too_young.status_code == 400 and not CodeRequest.objects.exists()
    with caplog.at_level("WARNING", logger="parlons.platform.budgets.sms"), \
            django_capture_on_commit_callbacks(execute=True):
        assert _ask(client, pb, **form).status_code == 200
    first = _code_in(caplog.text)
    receipt = services.new_receipt()
    _vote(pb, first, receipt=receipt)
    caplog.clear()
    with caplog.at_level("WARNING", logger="parlons.platform.budgets.sms"), \
            django_capture_on_commit_callbacks(execute=True):
        assert _ask(client, pb, **{**form, "destination": "+33612345678"}).status_code == 200
    second = _code_in(caplog.text)
    assert census.find_code(pb["component"], first) is None  # replaced by the new one
    with pytest.raises(ValidationError, match="already voted|déjà voté"):
        _vote(pb, second, title="Skatepark")
    _vote(pb, second, title="Skatepark", receipt=receipt)  # the receipt changes the ballot
    assert Ballot.objects.filter(budget=pb["city"]).count() == 1
    # the neighbourhood of a destination that voted cannot change
    response = _ask(client, pb, **{**form, "area": pb["areas"][1].pk})
    assert response.status_code == 400 and CodeRequest.objects.count() == 2


# --- delivery failures --------------------------------------------------------------------------

def test_failed_sms_leaves_no_usable_code_and_the_request_pending(coded_pb, org_admin,
                                                                  gateway):
    _enable(coded_pb, email=False, sms_=True)
    letters = {e.last_name: c for e, c in census.issue_letter_codes(
        actor=org_admin, component=coded_pb["component"])}
    request = codes.request_code(component=coded_pb["component"], destination="0612345678",
                                 **MARTIN)
    gateway.status = 503
    with pytest.raises(codes.DeliveryError, match="503"):
        codes.deliver(request.pk)
    sent_code = _code_in(gateway.received[0]["body"]["text"])
    assert census.find_code(coded_pb["component"], sent_code) is None  # not installed
    assert census.find_code(coded_pb["component"], letters["Martin"]) is not None  # kept
    request.refresh_from_db()
    assert (request.status, request.destination, request.attempts) == ("pending",
                                                                       "+33612345678", 1)
    gateway.status = 200  # the next try goes through
    assert codes.deliver(request.pk) == "sent"
    code = _code_in(gateway.received[1]["body"]["text"])
    assert gateway.received[1]["body"]["to"] == "+33612345678"
    assert census.find_code(coded_pb["component"], code).channel == "sms"
    assert census.find_code(coded_pb["component"], letters["Martin"]) is None
    assert codes.deliver(request.pk) == "sent" and len(gateway.received) == 2  # idempotent


def test_task_gives_up_in_process_and_sweep_requeues_lost_requests(coded_pb, gateway):
    _enable(coded_pb, email=False, sms_=True)
    request = codes.request_code(component=coded_pb["component"], destination="0712345678",
                                 **MARTIN)
    gateway.status = 500
    assert tasks.send_voting_code.delay(request.pk).get() == "failed"
    request.refresh_from_db()
    assert (request.status, request.destination) == ("failed", "")
    assert not VotingCode.objects.exists()
    # a request whose task was lost (e.g. broker down) is queued again by the sweep
    lost = codes.request_code(component=coded_pb["component"], destination="0712345679",
                              **MARTIN)
    old = codes.request_code(component=coded_pb["component"], destination="0712345670",
                             **MARTIN)
    from django.utils import timezone

    CodeRequest.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=20))
    CodeRequest.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=2))
    gateway.status = 200
    assert tasks.resend_lost_code_requests.delay().get() == 1
    lost.refresh_from_db()
    old.refresh_from_db()
    assert lost.status == "sent" and old.status == "failed" and old.destination == ""
    assert census.find_code(coded_pb["component"],
                            _code_in(gateway.received[-1]["body"]["text"])) is not None


def test_no_code_sent_once_the_vote_closed(coded_pb, set_phase, gateway):
    _enable(coded_pb, email=False, sms_=True)
    request = codes.request_code(component=coded_pb["component"], destination="0612345678",
                                 **MARTIN)
    set_phase(coded_pb, "Résultats")
    assert codes.deliver(request.pk) == "failed"
    assert gateway.received == [] and not VotingCode.objects.exists()


# --- permission matrix of the page ---------------------------------------------------------------

ROLES = ["anonymous", "citizen", "voter", "evaluator", "agent", "process_admin", "org_admin",
         "other_org_admin"]


def test_get_code_page_matrix(pb, people, set_phase):
    def statuses():
        out = []
        for role in ROLES:
            client = Client()
            if people[role] is not None:
                client.force_login(people[role])
            out.append(client.get(_url(pb, "?v=get-code")).status_code)
        return out

    assert statuses() == [404] * 8  # codes not accepted
    _enable(pb, email=False, sms_=False)
    assert statuses() == [404] * 8  # accepted, but neither e-mail nor SMS
    _enable(pb)
    assert statuses() == [200] * 8  # a public page: no account needed
    set_phase(pb, "Résultats")
    assert statuses() == [404] * 8  # the vote is closed
    set_phase(pb, None)
    other = Client()
    other.force_login(people["other_org_admin"])
    assert other.get(_url(pb, "?v=get-code"), HTTP_HOST="val.testserver").status_code == 404


# --- concurrency and the real queue ----------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_threads_one_destination_three_codes(coded_pb, race, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _enable(coded_pb)
    answers = race(8, lambda i: codes.request_code(
        component=coded_pb["component"], destination="lea@example.org", **MARTIN).pk)
    assert [a[0] for a in answers].count("ok") == 3, answers
    assert all("Too many codes" in a[2] for a in answers if a[0] == "error")
    assert CodeRequest.objects.count() == 3
    assert VotingCode.objects.count() == 1  # one person, one valid code


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_code_and_the_queue_never_sees_it(coded_pb, redis_worker):
    from celery.signals import before_task_publish

    assert not redis_worker.conf.task_always_eager
    _enable(coded_pb)
    published = []

    def record(sender=None, body=None, **kwargs):
        published.append((sender, json.dumps(body, default=str)))

    before_task_publish.connect(record, weak=False)
    try:
        mail.outbox = []
        response = _ask(Client(), coded_pb, **_martin_form())
        assert response.status_code == 200
        deadline = time.monotonic() + 30
        while not mail.outbox and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        before_task_publish.disconnect(record)
    assert len(mail.outbox) == 1, "the worker did not send the code"
    code = _code_in(mail.outbox[0].body)
    assert [name for name, _body in published] == [tasks.send_voting_code.name]
    assert code not in published[0][1] and "Martin" not in published[0][1]
    _vote(coded_pb, code)
    assert Ballot.objects.filter(budget=coded_pb["city"]).count() == 1
