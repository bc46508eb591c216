"""The floor of the casting benchmark: the same two-step form flow as a ballot (a review
answer carrying a receipt, then a confirm that writes one row in a transaction), with no
platform code in it: a Django request with the session and CSRF middleware, one INSERT."""

from __future__ import annotations

import secrets

from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import path

TABLE = "floor_ballot"
PAGE = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Floor</title>'
        "</head><body><main>{}</main></body></html>")


def create_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} "
                       "(id bigserial PRIMARY KEY, receipt varchar(19) UNIQUE NOT NULL)")


def stored_receipts() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT receipt FROM {TABLE}")  # noqa: S608 - a constant
        return {row[0] for row in cursor.fetchall()}


def cast(request):
    """POST step=review: a receipt in a form; step=confirm: the row, once per receipt."""
    if request.method != "POST":
        return HttpResponse(PAGE.format("POST step=review, then step=confirm"))
    if request.POST.get("step") == "review":
        receipt = secrets.token_hex(8).upper()
        return HttpResponse(PAGE.format(
            f'<form method="post"><input type="hidden" name="receipt" value="{receipt}">'
            "</form>"))
    receipt = request.POST.get("receipt", "")[:19]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (receipt) VALUES (%s) "  # noqa: S608
                       "ON CONFLICT (receipt) DO NOTHING", [receipt])
    return HttpResponse(PAGE.format(f'<p id="receipt-code">{receipt}</p>'))


urlpatterns = [path("floor/", cast)]
