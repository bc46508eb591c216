"""Writes of the assemblies module: each checks its rule and runs in one transaction.

Recruitment (address import, random phone numbers, seeded draw of invitations with codes),
registration by code, quotas, simulation, the public draw and replacement rounds through
``parlons.core.sortition``, confirmations, sessions and attendance, and the deletion of
personal data at the retention date.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import random
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.core.sortition.address import address_key
from parlons.core.sortition.audit import audit_data, audit_html
from parlons.core.sortition.draw import compute_probabilities, draw, replacement_instance
from parlons.core.sortition.lottery import SeededStream, new_seed
from parlons.core.sortition.model import SortitionInputError
from parlons.platform.assemblies import rules
from parlons.platform.assemblies.models import (
    Assembly,
    Attendance,
    Draw,
    Feature,
    FeatureValue,
    LetterBatch,
    PanelSession,
    Recipient,
    Volunteer,
)
from parlons.platform.assemblies.sortition import (
    build_pool,
    core_error,
    input_files,
    input_hashes,
    rerun_command,
)
from parlons.platform.spaces.models import Component

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 60 bits
MAX_REPORTED_ERRORS = 20
MAX_RECIPIENTS = 200_000
SEATED = (Volunteer.Status.SELECTED, Volunteer.Status.CONFIRMED)
PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "address", "postcode")
DEFAULT_RETENTION_DAYS = 365


def _check(actor, component: Component) -> None:
    if not rules.can_organise(actor, component):
        raise PermissionDenied


def _locked(assembly: Assembly) -> Assembly:
    return Assembly.objects.select_for_update().get(pk=assembly.pk)


def retention_days() -> int:
    return int(getattr(settings, "PARLONS_ASSEMBLY_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


@transaction.atomic
def create_assembly(component: Component) -> Assembly:
    """The assembly of a component (created on first use, retention date from the setting)."""
    assembly, _created = Assembly.objects.get_or_create(
        component=component,
        defaults={"data_retention_until": timezone.localdate()
                  + dt.timedelta(days=retention_days())})
    return assembly


@transaction.atomic
def update_settings(*, actor, assembly: Assembly, **fields) -> Assembly:
    _check(actor, assembly.component)
    assembly = _locked(assembly)
    if assembly.draws.exists() and fields.get("panel_size", assembly.panel_size) != \
            assembly.panel_size:
        raise ValidationError(_("The panel was drawn: its size can no longer change."))
    for name, value in fields.items():
        setattr(assembly, name, value)
    assembly.save()
    if not assembly.draws.exists():
        _compute_bounds(assembly)
    return assembly


# --- recruitment -------------------------------------------------------------------------------

HEADER_ALIASES = {
    "address": ("adresse", "address", "adresse postale", "rue", "street"),
    "postcode": ("code postal", "code_postal", "cp", "postcode", "zip", "postal code"),
    "city": ("ville", "commune", "city", "town"),
    "name": ("nom", "name", "destinataire", "foyer"),
}


def read_csv(raw: bytes) -> tuple[list[str], list[list[str]]]:
    """Decode (UTF-8, BOM allowed, else Windows-1252) and split a CSV with , ; or tab."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError as error:
            raise ValidationError(_("The file is not a text (CSV) file.")) from error
    if not text.strip():
        raise ValidationError(_("The file is empty."))
    first = text.splitlines()[0]
    delimiter = max(",;\t", key=first.count)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = [h.strip().lower() for h in rows[0]]
    return header, rows[1:]


def _column(header: list[str], key: str) -> int | None:
    return next((i for i, h in enumerate(header) if h in HEADER_ALIASES[key]), None)


def _raise_rows(errors: list[str]) -> None:
    if errors:
        more = len(errors) - MAX_REPORTED_ERRORS
        shown = errors[:MAX_REPORTED_ERRORS]
        if more > 0:
            shown.append(_("and %(count)d more errors.") % {"count": more})
        raise ValidationError(shown)


@transaction.atomic
def import_addresses(*, actor, assembly: Assembly, raw: bytes) -> int:
    """Add the addresses of a CSV file (columns adresse, code postal, ville, optional nom).

    Every row is checked first; one error and nothing is written. Returns the number added.
    """
    _check(actor, assembly.component)
    assembly = _locked(assembly)
    header, rows = read_csv(raw)
    columns = {key: _column(header, key) for key in HEADER_ALIASES}
    missing = [key for key in ("address", "postcode", "city") if columns[key] is None]
    if missing:
        raise ValidationError(_("Line 1: the file needs the columns “adresse”, “code postal” "
                                "and “ville” (found: %(found)s).") % {"found": ", ".join(header)})
    seen = {address_key([r.address, r.postcode], ("address", "postcode")): 0
            for r in assembly.recipients.filter(kind=Recipient.Kind.ADDRESS)}
    errors: list[str] = []
    new: list[Recipient] = []
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            errors.append(_("Line %(line)d: %(found)d columns instead of %(expected)d.")
                          % {"line": number, "found": len(row), "expected": len(header)})
            continue
        values = {key: (row[i].strip() if i is not None else "") for key, i in columns.items()}
        if not values["address"]:
            errors.append(_("Line %(line)d: the address is empty.") % {"line": number})
        if not re.fullmatch(r"\d{5}|\d{2} ?\d{3}", values["postcode"]):
            errors.append(_("Line %(line)d: “%(postcode)s” is not a postcode (five digits).")
                          % {"line": number, "postcode": values["postcode"][:20]})
        if not values["city"]:
            errors.append(_("Line %(line)d: the city is empty.") % {"line": number})
        if len(values["address"]) > 300 or len(values["name"]) > 200 or len(values["city"]) > 120:
            errors.append(_("Line %(line)d: a field is too long.") % {"line": number})
        key = address_key([values["address"], values["postcode"]], ("address", "postcode"))
        if key and key in seen:
            errors.append(_("Line %(line)d: this address is already in the list (line "
                            "%(first)d).") % {"line": number, "first": seen[key]}
                          if seen[key] else
                          _("Line %(line)d: this address was already imported.")
                          % {"line": number})
        elif key:
            seen[key] = number
        new.append(Recipient(assembly=assembly, kind=Recipient.Kind.ADDRESS,
                             name=values["name"][:200], address=values["address"][:300],
                             postcode=values["postcode"].replace(" ", ""),
                             city=values["city"][:120]))
    if not new and not errors:
        raise ValidationError(_("The file has no address."))
    _raise_rows(errors)
    if assembly.recipients.count() + len(new) > MAX_RECIPIENTS:
        raise ValidationError(_("Too many recipients for one campaign."))
    Recipient.objects.bulk_create(new)
    return len(new)


def normalise_prefix(prefix: str) -> str:
    digits = re.sub(r"[\s.\-]", "", prefix)
    if digits.startswith("+33"):
        digits = "0" + digits[3:]
    if not re.fullmatch(r"0\d{1,7}", digits):
        raise ValidationError(_("“%(prefix)s” is not a French phone prefix (for example 06 12 "
                                "or +33 7).") % {"prefix": prefix[:30]})
    return digits


@transaction.atomic
def generate_phone_numbers(*, actor, assembly: Assembly, prefixes: Iterable[str], count: int,
                           seed: str) -> int:
    """Add ``count`` random distinct ten-digit numbers, spread evenly over the prefixes."""
    _check(actor, assembly.component)
    assembly = _locked(assembly)
    clean = sorted({normalise_prefix(p) for p in prefixes if p.strip()})
    if not clean:
        raise ValidationError(_("Give at least one phone prefix."))
    if not 1 <= count <= 50_000:
        raise ValidationError(_("Generate between 1 and 50,000 numbers."))
    existing = set(assembly.recipients.exclude(phone="").values_list("phone", flat=True))
    capacity = sum(10 ** (10 - len(p)) for p in clean)
    if count > (capacity - len(existing)) // 2:
        raise ValidationError(_("These prefixes leave too few possible numbers: give more "
                                "prefixes or shorter ones."))
    rng = random.Random(f"parlons-phones\x1f{seed}")  # noqa: S311 - reproducible, not secret
    numbers: list[str] = []
    while len(numbers) < count:
        prefix = clean[len(numbers) % len(clean)]
        number = prefix + "".join(str(rng.randrange(10)) for _ in range(10 - len(prefix)))
        if number not in existing:
            existing.add(number)
            numbers.append(number)
    Recipient.objects.bulk_create(Recipient(assembly=assembly, kind=Recipient.Kind.PHONE,
                                            phone=n) for n in numbers)
    return len(numbers)


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(text: str) -> str:
    raw = re.sub(r"[\s\-]", "", text or "").upper()
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


@transaction.atomic
def draw_invitations(*, actor, assembly: Assembly, kind: str, count: int,
                     seed: str = "") -> LetterBatch:
    """Draw ``count`` of the not yet invited recipients of ``kind`` and give each a code.

    The draw uses the core's seeded stream over the list's content in import order: the same list
    and seed give the same invitations. Without a seed, a random one is generated and recorded.
    """
    _check(actor, assembly.component)
    assembly = _locked(assembly)
    if kind not in Recipient.Kind.values:
        raise ValidationError(_("Unknown kind of recipient."))
    rows = list(assembly.recipients.filter(kind=kind, code__isnull=True).order_by("pk")
                .values_list("pk", "address", "postcode", "city", "phone"))
    pool = [row[0] for row in rows]
    if count < 1:
        raise ValidationError(_("Invite at least one person."))
    if count > len(pool):
        raise ValidationError(_("Only %(available)d recipients are left to invite.")
                              % {"available": len(pool)})
    seed = seed.strip()[:200] or new_seed()
    # the list's content in import order, not database ids: the same list and seed give the
    # same invitations in any installation
    listing = "\n".join("\x1f".join(row[1:]) for row in rows)
    digest = hashlib.sha256(listing.encode("utf-8")).hexdigest()
    picked = SeededStream.for_draw(seed, digest, "invitations").sample(list(range(len(pool))),
                                                                         count)
    chosen = [pool[i] for i in picked]
    batch = LetterBatch.objects.create(assembly=assembly, seed=seed, size=count, created_by=actor)
    chosen_recipients = list(Recipient.objects.filter(pk__in=chosen).order_by("pk"))
    for _attempt in range(5):
        for recipient in chosen_recipients:
            recipient.code, recipient.batch = new_code(), batch
        try:
            with transaction.atomic():
                for recipient in chosen_recipients:
                    Recipient.objects.filter(pk=recipient.pk).update(code=recipient.code,
                                                                     batch=batch)
            break
        except IntegrityError:  # a code collision (about 1 in 10^12 per code): new codes
            continue
    else:
        raise ValidationError(_("Could not generate unique codes; try again."))
    return batch


# --- registration ------------------------------------------------------------------------------

def _clean_answers(assembly: Assembly, answers: Mapping[str, str]) -> dict[str, str]:
    features = list(assembly.features.prefetch_related("values"))
    if not features:
        raise ValidationError(_("The questions of this assembly are not ready yet."))
    clean = {}
    for feature in features:
        allowed = [v.value for v in feature.values.all()]
        if answers.get(feature.name) not in allowed:
            raise ValidationError(_("Answer the question “%(feature)s”.")
                                  % {"feature": feature.name})
        clean[feature.name] = answers[feature.name]
    return clean


def register_volunteer(*, assembly: Assembly, code: str, contact: Mapping[str, str],
                       answers: Mapping[str, str], consent: bool, user=None,
                       agent=None) -> Volunteer:
    """Register the holder of ``code`` (online, or by phone when ``agent`` is given).

    One registration per code: the recipient row is locked and ``Volunteer.recipient`` is
    unique, so concurrent submissions of one code make one volunteer and clear refusals.
    """
    if agent is not None and not rules.can_register_by_phone(agent, assembly.component):
        raise PermissionDenied
    if not assembly.registration_open or assembly.data_purged_at:
        raise ValidationError(_("Registration is closed."))
    if not consent:
        raise ValidationError(_("Registration needs your consent to the use of your answers."))
    clean = _clean_answers(assembly, answers)
    person = {f: (contact.get(f) or "").strip() for f in PERSONAL_FIELDS}
    if not person["last_name"] or not (person["email"] or person["phone"]):
        raise ValidationError(_("Give your name and an e-mail address or a phone number."))
    if person["email"]:
        validate_email(person["email"])
    with transaction.atomic():
        recipient = (Recipient.objects.select_for_update()
                     .filter(assembly=assembly, code=normalise_code(code)).first())
        if recipient is None:
            raise ValidationError(_("This code is not valid. Check the code printed on your "
                                    "letter."))
        if Volunteer.objects.filter(recipient=recipient).exists():
            raise ValidationError(_("This code was already used to register."))
        if not person["address"] and recipient.kind == Recipient.Kind.ADDRESS:
            person["address"], person["postcode"] = recipient.address, recipient.postcode
        try:
            with transaction.atomic():
                return Volunteer.objects.create(
                    assembly=assembly, recipient=recipient, answers=clean,
                    consent_at=timezone.now(), user=user if getattr(
                        user, "is_authenticated", False) else None,
                    channel=Volunteer.Channel.PHONE if agent else Volunteer.Channel.ONLINE,
                    entered_by=agent, **person)
        except IntegrityError as error:
            raise ValidationError(_("This code was already used to register.")) from error


# --- quotas ------------------------------------------------------------------------------------

def parse_share(text: str) -> Decimal:
    cleaned = (text or "").strip().replace("%", "").replace("\u00a0", "").replace(" ", "")
    try:
        value = Decimal(cleaned.replace(",", "."))
    except InvalidOperation as error:
        raise ValueError(text) from error
    if not value.is_finite() or value < 0:
        raise ValueError(text)
    return value


def _check_sums(shares: dict[str, list[Decimal]]) -> dict[str, Decimal]:
    """Per feature, the factor turning the given shares into percentages (fractions or %)."""
    factors = {}
    errors = []
    for feature, values in shares.items():
        total = sum(values)
        if abs(total - 100) <= Decimal("1.5"):
            factors[feature] = Decimal(1)
        elif abs(total - 1) <= Decimal("0.015"):
            factors[feature] = Decimal(100)
        else:
            errors.append(_("The shares of “%(feature)s” add up to %(total)s instead of 100 %%.")
                          % {"feature": feature, "total": total})
    _raise_rows(errors)
    return factors


@transaction.atomic
def import_quotas(*, actor, assembly: Assembly, raw: bytes) -> int:
    """Replace the criteria by a census table ``feature,value,share`` (share in % or as a
    fraction; each criterion's shares must add up to 100 %). Returns the number of values."""
    _check(actor, assembly.component)
    assembly = _locked(assembly)
    if assembly.draws.exists():
        raise ValidationError(_("The panel was drawn: the criteria can no longer change."))
    header, rows = read_csv(raw)
    names = {"feature": ("feature", "critère", "critere", "category", "catégorie"),
             "value": ("value", "valeur", "name", "modalité", "modalite"),
             "share": ("share", "part", "proportion", "pourcentage", "percent", "%")}
    columns = {k: next((i for i, h in enumerate(header) if h in v), None)
               for k, v in names.items()}
    if any(i is None for i in columns.values()):
        raise ValidationError(_("Line 1: the file needs the columns “feature”, “value” and "
                                "“share” (found: %(found)s).") % {"found": ", ".join(header)})
    errors: list[str] = []
    table: dict[str, list[tuple[str, Decimal]]] = {}
    first: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            errors.append(_("Line %(line)d: %(found)d columns instead of %(expected)d.")
                          % {"line": number, "found": len(row), "expected": len(header)})
            continue
        feature, value = row[columns["feature"]].strip(), row[columns["value"]].strip()
        if not feature or not value or len(feature) > 100 or len(value) > 100:
            errors.append(_("Line %(line)d: give a criterion and a value (100 characters at "
                            "most).") % {"line": number})
            continue
        try:
            share = parse_share(row[columns["share"]])
        except ValueError:
            errors.append(_("Line %(line)d: “%(share)s” is not a share (a percentage such as "
                            "51.6 or a fraction such as 0.516).")
                          % {"line": number, "share": row[columns["share"]][:20]})
            continue
        if (feature, value) in first:
            errors.append(_("Line %(line)d: “%(feature)s = %(value)s” already appears on line "
                            "%(first)d.") % {"line": number, "feature": feature, "value": value,
                                             "first": first[(feature, value)]})
            continue
        first[(feature, value)] = number
        table.setdefault(feature, []).append((value, share))
    if not table and not errors:
        raise ValidationError(_("The file has no row."))
    _raise_rows(errors)
    factors = _check_sums({f: [s for _v, s in values] for f, values in table.items()})
    assembly.features.all().delete()
    for position, (name, values) in enumerate(table.items()):
        feature = Feature.objects.create(assembly=assembly, name=name, position=position)
        FeatureValue.objects.bulk_create(
            FeatureValue(feature=feature, value=value, position=j,
                         share=(share * factors[name]).quantize(Decimal("0.001")))
            for j, (value, share) in enumerate(values))
    _compute_bounds(assembly)
    return sum(len(v) for v in table.values())


@transaction.atomic
def save_shares(*, actor, assembly: Assembly, shares: Mapping[int, str]) -> None:
    """Shares entered in the editor (percentages), by value id; bounds recomputed."""
    _check(actor, assembly.component)
    assembly = _locked(assembly)
    values = list(FeatureValue.objects.filter(feature__assembly=assembly)
                  .select_related("feature"))
    parsed: dict[str, list[Decimal]] = {}
    for value in values:
        try:
            value.share = parse_share(shares.get(value.pk, str(value.share)))
        except ValueError as error:
            raise ValidationError(_("“%(share)s” is not a percentage.")
                                  % {"share": str(shares.get(value.pk))[:20]}) from error
        parsed.setdefault(value.feature.name, []).append(value.share)
    for feature, factor in _check_sums(parsed).items():
        if factor != 1:
            raise ValidationError(_("Enter the shares of “%(feature)s” as percentages.")
                                  % {"feature": feature})
    FeatureValue.objects.bulk_update(values, ["share"])
    _compute_bounds(assembly)


def bounds(share: Decimal, panel_size: int, tolerance: int) -> tuple[int, int]:
    """The seats a value may take: its share of the panel rounded down and up, ± tolerance."""
    target = float(share) / 100 * panel_size
    low, high = math.floor(target + 1e-9), math.ceil(target - 1e-9)
    return max(0, low - tolerance), min(panel_size, high + tolerance)


def _compute_bounds(assembly: Assembly) -> None:
    values = list(FeatureValue.objects.filter(feature__assembly=assembly))
    for value in values:
        value.min, value.max = bounds(value.share, assembly.panel_size, assembly.quota_tolerance)
    FeatureValue.objects.bulk_update(values, ["min", "max"])


@transaction.atomic
def recompute_bounds(*, actor, assembly: Assembly) -> None:
    _check(actor, assembly.component)
    if assembly.draws.exists():
        raise ValidationError(_("The panel was drawn: the criteria can no longer change."))
    _compute_bounds(_locked(assembly))


def simulate(*, actor, assembly: Assembly, algorithm: str | None = None) -> dict:
    """Selection probabilities of the current volunteers before the draw (nothing stored)."""
    _check(actor, assembly.component)
    pool = build_pool(assembly, assembly.volunteers.exclude(personal_data_deleted=True))
    algorithm = algorithm or assembly.algorithm
    started = time.process_time()
    try:
        probabilities, _dist, stats = compute_probabilities(pool.instance, algorithm,
                                                            legacy_draws=2000, time_limit=120)
    except (SortitionInputError, RuntimeError, TimeoutError) as error:
        raise core_error(error) from error
    inst = pool.instance
    house = inst.household
    return {"algorithm": algorithm, "pool": inst.n, "panel_size": inst.panel_size,
            "incomplete": pool.incomplete, "min_probability": float(probabilities.min()),
            "max_probability": float(probabilities.max()),
            "equal_share": inst.panel_size / inst.n,
            "below_half": int((probabilities < 0.5 * inst.panel_size / inst.n).sum()),
            "households": len({int(h) for h in house if h >= 0}),
            "in_households": int((house >= 0).sum()),
            "estimated": bool(stats.get("estimated")),
            "cpu_seconds": round(time.process_time() - started, 2)}


# --- draws -------------------------------------------------------------------------------------

def _record(assembly: Assembly, actor, pool, result, seats: int, rerun: str,
            files: dict[str, str]) -> Draw:
    data = audit_data(result, input_hashes(files), rerun=rerun)
    number = (assembly.draws.order_by("-round").values_list("round", flat=True).first() or 0) + 1
    record = Draw.objects.create(assembly=assembly, round=number, seed=result.seed,
                                 algorithm=result.algorithm, seats=seats,
                                 min_probability=result.min_probability, report=data,
                                 report_html=audit_html(data), created_by=actor)
    ids = [pool.volunteers[pid].pk for pid in result.panel_ids]
    Volunteer.objects.filter(pk__in=ids).update(status=Volunteer.Status.SELECTED, draw=record)
    return record


@transaction.atomic
def public_draw(*, actor, assembly: Assembly, seed: str = "") -> Draw:
    """The public draw of the panel from the registered volunteers, with the recorded seed."""
    _check(actor, assembly.component)
    assembly = _locked(assembly)
    if assembly.draws.exists():
        raise ValidationError(_("The panel was already drawn; use replacement rounds."))
    pool = build_pool(assembly, assembly.volunteers.exclude(personal_data_deleted=True))
    try:
        result = draw(pool.instance, assembly.algorithm, seed.strip()[:200] or None,
                      legacy_draws=2000, time_limit=300)
    except (SortitionInputError, RuntimeError, TimeoutError) as error:
        raise core_error(error) from error
    rerun = rerun_command(pool.instance, result.algorithm, result.seed, assembly.panel_size)
    record = _record(assembly, actor, pool, result, assembly.panel_size, rerun,
                     input_files(pool))
    assembly.registration_open = False
    assembly.save(update_fields=["registration_open"])
    return record


@transaction.atomic
def replacement_draw(*, actor, assembly: Assembly, seed: str = "") -> Draw:
    """Fill the seats of those who declined: seated people (confirmed or awaiting an answer)
    keep their seats and the quotas shrink by their counts (the core's replacement round)."""
    _check(actor, assembly.component)
    assembly = _locked(assembly)
    if not assembly.draws.exists():
        raise ValidationError(_("Draw the panel first."))
    volunteers = list(assembly.volunteers.exclude(personal_data_deleted=True))
    pool = build_pool(assembly, volunteers)
    seated = [v.draw_id_text for v in volunteers if v.status in SEATED
              and v.draw_id_text in pool.volunteers]
    declined = [v.draw_id_text for v in volunteers if v.status == Volunteer.Status.DECLINED
                and v.draw_id_text in pool.volunteers]
    if len(seated) >= assembly.panel_size:
        raise ValidationError(_("Every seat is taken: nobody to replace."))
    try:
        instance = replacement_instance(pool.instance, seated, declined)
        result = draw(instance, assembly.algorithm, seed.strip()[:200] or None,
                      legacy_draws=2000, time_limit=300)
    except (SortitionInputError, RuntimeError, TimeoutError) as error:
        raise core_error(error) from error
    rerun = rerun_command(pool.instance, result.algorithm, result.seed, assembly.panel_size,
                          seated, declined)
    return _record(assembly, actor, pool, result, instance.panel_size, rerun, input_files(pool))


@transaction.atomic
def respond(*, actor, volunteer: Volunteer, accept: bool) -> Volunteer:
    """Record a selected person's answer (confirmed or declined)."""
    _check(actor, volunteer.assembly.component)
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if volunteer.status not in (*SEATED, Volunteer.Status.DECLINED):
        raise ValidationError(_("Only people drawn for the panel can confirm or decline."))
    volunteer.status = Volunteer.Status.CONFIRMED if accept else Volunteer.Status.DECLINED
    volunteer.save(update_fields=["status"])
    return volunteer


# --- sessions ----------------------------------------------------------------------------------

@transaction.atomic
def create_session(*, actor, assembly: Assembly, title: str, date: dt.date,
                   place: str = "") -> PanelSession:
    _check(actor, assembly.component)
    return PanelSession.objects.create(assembly=assembly, title=title, date=date, place=place)


@transaction.atomic
def record_attendance(*, actor, session: PanelSession, present: Iterable[int]) -> int:
    """Mark the panel's members present (ids in ``present``) or absent; returns those present."""
    _check(actor, session.assembly.component)
    members = list(session.assembly.volunteers.filter(status__in=SEATED))
    chosen = {int(p) for p in present}
    for member in members:
        Attendance.objects.update_or_create(session=session, volunteer=member,
                                            defaults={"present": member.pk in chosen})
    return sum(1 for m in members if m.pk in chosen)


# --- personal data -----------------------------------------------------------------------------

def _wipe(volunteers) -> int:
    return volunteers.update(user=None, personal_data_deleted=True,
                             **{f: "" for f in PERSONAL_FIELDS})


@transaction.atomic
def purge_personal_data(assembly: Assembly) -> int:
    """Delete names, contacts and addresses (volunteers and campaign lists); the anonymous
    answers, statuses and draws stay for the public composition and the audit."""
    assembly = _locked(assembly)
    count = _wipe(assembly.volunteers.all())
    assembly.recipients.update(name="", address="", postcode="", city="", phone="")
    assembly.registration_open = False
    assembly.data_purged_at = timezone.now()
    assembly.save(update_fields=["registration_open", "data_purged_at"])
    return count


def purge_expired(today: dt.date | None = None) -> list[int]:
    """Purge every assembly whose retention date has come; returns their ids."""
    today = today or timezone.localdate()
    done = []
    for assembly in Assembly.objects.filter(data_retention_until__lte=today,
                                            data_purged_at__isnull=True):
        purge_personal_data(assembly)
        done.append(assembly.pk)
    return done


def export_personal_data(user) -> dict:
    return {"registrations": [
        {"assembly": v.assembly.component.title, "registered_at": v.created_at.isoformat(),
         "channel": v.channel, "status": v.status, "answers": v.answers,
         **{f: getattr(v, f) for f in PERSONAL_FIELDS}}
        for v in Volunteer.objects.filter(user=user).select_related("assembly__component")]}


def anonymise_personal_data(user) -> None:
    _wipe(Volunteer.objects.filter(user=user))
