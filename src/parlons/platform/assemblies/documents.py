"""Printable documents of the recruitment campaign: the letters (one PDF, one page per letter)
and the call list of the phone campaign (CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.pdfgen import canvas

from parlons.platform.assemblies.models import Assembly, Recipient


def _wrap(pdf: canvas.Canvas, text: str, width: float, font: str, size: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if pdf.stringWidth(candidate, font, size) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def letters_pdf(assembly: Assembly, recipients: Sequence[Recipient], url: str) -> bytes:
    """One page per invited address: who we are, what the assembly is, the code and the URL."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    organisation = assembly.component.space.organisation.name
    title = assembly.component.title
    pdf.setTitle(_("Invitations — %(title)s") % {"title": title})
    width, height = A4
    body = [
        _("Your household was drawn at random among the city's addresses to take part in "
          "“%(title)s”: a group of citizens drawn by lot who will meet, hear experts and "
          "write recommendations to the city council.") % {"title": title},
        _("One person of your household may volunteer with this letter. Among the "
          "volunteers, the members of the assembly will be drawn by lot in public, so that the "
          "assembly looks like the population of the city (sex, age, neighbourhood...)."),
        _("To volunteer, go to the address below and enter your personal code, or call the "
          "town hall, whose staff will register you by phone."),
    ]
    for recipient in recipients:
        y = height - 2.5 * cm
        pdf.setFont("Helvetica-Bold", 12)
        pdf.drawString(2 * cm, y, organisation)
        y -= 3 * cm
        pdf.setFont("Helvetica", 11)
        for line in (recipient.name or _("To the residents"), recipient.address,
                     f"{recipient.postcode} {recipient.city}"):
            pdf.drawString(11 * cm, y, line)
            y -= 0.55 * cm
        y -= 2 * cm
        pdf.setFont("Helvetica-Bold", 14)
        pdf.drawString(2 * cm, y, _("Invitation to “%(title)s”") % {"title": title})
        y -= 1.2 * cm
        pdf.setFont("Helvetica", 11)
        for paragraph in body:
            for line in _wrap(pdf, paragraph, width - 4 * cm, "Helvetica", 11):
                pdf.drawString(2 * cm, y, line)
                y -= 0.55 * cm
            y -= 0.4 * cm
        y -= 0.6 * cm
        pdf.drawString(2 * cm, y, _("Address: %(url)s") % {"url": url})
        y -= 1.0 * cm
        pdf.setFont("Courier-Bold", 18)
        pdf.drawString(2 * cm, y, _("Your code: %(code)s") % {"code": recipient.code})
        pdf.setFont("Helvetica", 9)
        pdf.drawString(2 * cm, 2 * cm, _("This code is personal: one registration per letter. "
                                         "Your answers are used only for the draw."))
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def call_list_csv(recipients: Sequence[Recipient]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_("phone"), _("code")])
    for recipient in recipients:
        writer.writerow([recipient.phone, recipient.code])
    return out.getvalue()
