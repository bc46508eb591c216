"""Census / electoral list (eligibility) and one-time voting codes (voting without an account).

The list is a CSV file uploaded by the city; it replaces the previous one atomically and is
refused as a whole, with numbered French messages, when one line is wrong. Voting codes are
drawn at random (80 bits, same alphabet as receipts); only their hash is stored, so that the
letters can be printed once and nobody with database access can vote with them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.platform.budgets import rules
from parlons.platform.budgets.models import CensusEntry, VotingCode
from parlons.platform.organisations.models import Area
from parlons.platform.spaces.models import Component

MAX_FILE_SIZE = 50 * 1024 * 1024
MAX_ERRORS = 30
#: accepted column names (normalised: lower case, no accents) for each field
COLUMNS = {
    "last_name": ("nom", "nom de famille", "last_name", "last name", "surname"),
    "first_name": ("prenom", "prenoms", "first_name", "first name", "given name"),
    "birth_date": ("date de naissance", "date_naissance", "naissance", "birth_date",
                   "date of birth"),
    "area": ("quartier", "secteur", "area", "neighbourhood", "neighborhood"),
    "address": ("adresse", "address"),
}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def census_key(first_name: str, last_name: str, birth_date: dt.date) -> str:
    """Identity of a person on the list: accents, case, hyphens and spaces do not matter."""
    text = f"{_norm(last_name)}|{_norm(first_name)}|{birth_date.isoformat()}"
    return "census:" + hashlib.sha256(text.encode()).hexdigest()[:40]


def code_hash(code: str) -> str:
    return hashlib.sha256(("parlons-voting-code:" + code).encode()).hexdigest()


def _can_manage_list(actor, component: Component) -> None:
    if component.kind != "budget" or not rules.can_configure(actor, component):
        raise PermissionDenied


# --- upload -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CensusRow:
    line: int
    last_name: str
    first_name: str
    birth_date: dt.date
    area: Area
    address: str


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # files saved by a spreadsheet in France


def _parse_date(value: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    return None


def parse_census(component: Component, data: bytes) -> list[CensusRow]:
    """Validate a whole census file; raises one ValidationError listing the wrong lines."""
    if len(data) > MAX_FILE_SIZE:
        raise ValidationError(_("The file is larger than 50 MB."))
    text = _decode(data)
    if not text.strip():
        raise ValidationError(_("The file is empty."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [_norm(h) for h in next(reader, [])]
    where: dict[str, int] = {}
    for field, names in COLUMNS.items():
        found = [i for i, h in enumerate(header) if h in {_norm(n) for n in names}]
        if found:
            where[field] = found[0]
    missing = [COLUMNS[f][0] for f in ("last_name", "first_name", "birth_date", "area")
               if f not in where]
    if missing:
        raise ValidationError(_("Line 1: missing columns: %(columns)s. Expected: nom, prénom, "
                                "date de naissance, quartier (adresse is optional).")
                              % {"columns": ", ".join(missing)})
    areas: dict[str, Area] = {}
    for area in Area.objects.filter(organisation=component.space.organisation):
        areas[_norm(area.name)] = areas[_norm(area.slug)] = area
    today = timezone.localdate()
    rows: list[CensusRow] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(reader, 2):
        if not any(cell.strip() for cell in raw):
            continue
        cells = {f: (raw[i].strip() if i < len(raw) else "") for f, i in where.items()}
        problems = []
        if not cells["last_name"] or not cells["first_name"]:
            problems.append(_("the last name and the first name are required"))
        if len(cells["last_name"]) > 100 or len(cells["first_name"]) > 100:
            problems.append(_("a name is longer than 100 characters"))
        birth = _parse_date(cells["birth_date"])
        if birth is None:
            problems.append(_("invalid date of birth “%(value)s” (expected 31/12/2001 or "
                              "2001-12-31)") % {"value": cells["birth_date"][:30]})
        elif birth > today or birth.year < today.year - 130:
            problems.append(_("impossible date of birth “%(value)s”")
                            % {"value": cells["birth_date"][:30]})
        area = areas.get(_norm(cells["area"]))
        if area is None:
            problems.append(_("unknown neighbourhood “%(value)s”") % {"value": cells["area"][:60]})
        if not problems:
            key = census_key(cells["first_name"], cells["last_name"], birth)
            if key in seen:
                problems.append(_("same person as line %(line)s") % {"line": seen[key]})
            seen[key] = line
        if problems:
            errors.append(_("Line %(line)s: %(problems)s.")
                          % {"line": line, "problems": "; ".join(problems)})
            if len(errors) >= MAX_ERRORS:
                errors.append(_("Too many errors: the check stopped here."))
                break
            continue
        rows.append(CensusRow(line, cells["last_name"], cells["first_name"], birth, area,
                              cells.get("address", "")[:500]))
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError(_("The file has no person in it."))
    return rows


@transaction.atomic
def replace_census(*, actor, component: Component, data: bytes) -> int:
    """Replace the component's census list by the file's (all or nothing); returns its size.

    Refused once the vote has opened: the list of who may vote is part of the frozen rules.
    Replacing the list cancels the voting codes printed for the previous one.
    """
    _can_manage_list(actor, component)
    component = Component.objects.select_for_update().select_related("space__organisation").get(
        pk=component.pk)
    if rules.vote_is_open(component) or component.budgets.filter(
            frozen_at__isnull=False).exists():
        raise ValidationError(_("The electoral list cannot be replaced once the vote has "
                                "opened."))
    rows = parse_census(component, data)
    CensusEntry.objects.filter(component=component).delete()
    CensusEntry.objects.bulk_create(
        [CensusEntry(component=component, line=r.line, last_name=r.last_name,
                     first_name=r.first_name, birth_date=r.birth_date, area=r.area,
                     address=r.address,
                     identity_key=census_key(r.first_name, r.last_name, r.birth_date))
         for r in rows], batch_size=5000)
    return len(rows)


def find_entry(component: Component, first_name: str, last_name: str,
               birth_date: dt.date) -> CensusEntry:
    entry = (CensusEntry.objects.filter(
        component=component, identity_key=census_key(first_name, last_name, birth_date))
        .select_related("area").first())
    if entry is None:
        raise ValidationError(_("This person is not on the electoral list (check the spelling "
                                "of the names and the date of birth)."))
    return entry


# --- voting codes -----------------------------------------------------------------------------

def _new_code() -> str:
    from parlons.platform.budgets.services import new_receipt

    return new_receipt()


def find_code(component: Component, code: str, lock: bool = False) -> VotingCode | None:
    """The voting code typed by a voter (any spacing or case), or None."""
    from parlons.platform.budgets.services import normalise_receipt

    code = normalise_receipt(code)
    if code is None:
        return None
    query = VotingCode.objects.filter(component=component, code_hash=code_hash(code))
    if lock:
        query = query.select_for_update(of=("self",))
    return query.select_related("area", "census_entry").first()


def _codes_enabled(component: Component) -> None:
    if not (component.settings or {}).get("voting_codes"):
        raise ValidationError(_("Voting codes are not enabled for this participatory budget."))


@transaction.atomic
def issue_letter_codes(*, actor, component: Component) -> list[tuple[CensusEntry, str]]:
    """One new code for each person of the list old enough who has none yet."""
    _can_manage_list(actor, component)
    _codes_enabled(component)
    component = Component.objects.select_for_update().get(pk=component.pk)
    minimum = int((component.settings or {}).get("minimum_age", 0))
    today = timezone.localdate()
    from parlons.platform.budgets.services import age_on

    entries = [e for e in CensusEntry.objects.filter(component=component,
                                                     voting_code__isnull=True)
               .select_related("area") if age_on(e.birth_date, today) >= minimum]
    issued = [(entry, _new_code()) for entry in entries]
    VotingCode.objects.bulk_create(
        [VotingCode(component=component, code_hash=code_hash(code), area=entry.area,
                    census_entry=entry, channel=VotingCode.Channel.LETTER, issued_by=actor,
                    issued_on=today) for entry, code in issued], batch_size=5000)
    return issued


@transaction.atomic
def issue_desk_code(*, actor, component: Component, first_name: str = "",
                    last_name: str = "", birth_date: dt.date | None = None, area=None) -> str:
    """A code handed at a desk by an agent who checked the person's identity.

    With the census list the person must be on it (their previous code, letter or desk, stops
    working: one person, one valid code); without it the agent checks age and neighbourhood.
    """
    from parlons.platform.budgets.services import check_age

    if not rules.can_enter_for_citizens(actor, component) or not rules.vote_is_open(component):
        raise PermissionDenied
    _codes_enabled(component)
    if birth_date is None:
        raise ValidationError(_("Give the date of birth."))
    check_age(component, birth_date)
    code = _new_code()
    today = timezone.localdate()
    if (component.settings or {}).get("census"):
        entry = find_entry(component, first_name, last_name, birth_date)
        entry = CensusEntry.objects.select_for_update().get(pk=entry.pk)
        VotingCode.objects.update_or_create(
            census_entry=entry,
            defaults={"component": component, "code_hash": code_hash(code), "area": entry.area,
                      "channel": VotingCode.Channel.DESK, "issued_by": actor,
                      "issued_on": today})
        return code
    if area is None or area.organisation_id != component.space.organisation_id:
        raise ValidationError(_("Choose the neighbourhood where the person lives."))
    from parlons.platform.budgets.services import identity_key

    VotingCode.objects.create(
        component=component, code_hash=code_hash(code), area=area, issued_by=actor,
        identity_key=identity_key(f"{last_name} {first_name} {birth_date.isoformat()}"),
        channel=VotingCode.Channel.DESK, issued_on=today)
    return code


@transaction.atomic
def print_letters(*, actor, component: Component) -> bytes | None:
    """Issue the missing codes and return their letters (None when nobody lacks one); the
    codes are kept only if the PDF was made, since it is their only copy."""
    issued = issue_letter_codes(actor=actor, component=component)
    return letters_pdf(component, issued) if issued else None


def vote_url(component: Component) -> str:
    base = getattr(settings, "PARLONS_BASE_URL", "")
    return base + reverse("web:component_detail", args=[component.space.slug,
                                                        component.pk]) + "?v=code"


def letters_pdf(component: Component, issued: list[tuple[CensusEntry, str]]) -> bytes:
    """One A4 page per letter: address block, how to vote, the code (reportlab)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(_("Voting codes — %(title)s") % {"title": component.title})
    width, height = A4
    organisation = component.space.organisation.name
    url = vote_url(component)
    for entry, code in issued:
        pdf.setFont("Helvetica-Bold", 12)
        pdf.drawString(20 * mm, height - 25 * mm, organisation)
        pdf.setFont("Helvetica", 11)
        y = height - 50 * mm
        for line in [f"{entry.first_name} {entry.last_name}", *entry.address.splitlines()]:
            pdf.drawString(110 * mm, y, line[:60])
            y -= 6 * mm
        pdf.setFont("Helvetica-Bold", 14)
        pdf.drawString(20 * mm, height - 100 * mm,
                       _("Participatory budget: your voting code")[:80])
        pdf.setFont("Helvetica", 11)
        lines = [_("You can vote without creating an account, once per budget open to you."),
                 _("Go to: %(url)s") % {"url": url},
                 _("and type this code (it works only once per budget; keep it secret):")]
        y = height - 115 * mm
        for line in lines:
            pdf.drawString(20 * mm, y, line[:110])
            y -= 7 * mm
        pdf.setFont("Courier-Bold", 22)
        pdf.drawString(20 * mm, y - 10 * mm, code)
        pdf.setFont("Helvetica", 9)
        pdf.drawString(20 * mm, 20 * mm, _("Your vote is secret: the code is not linked to "
                                           "your ballot.")[:130])
        pdf.showPage()
    pdf.save()
    return out.getvalue()
