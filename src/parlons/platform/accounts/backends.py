"""Authentication by e-mail, case-insensitive, with constant work for unknown addresses."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        email = (email or username or "").strip().lower()
        if not email or password is None:
            return None
        user_model = get_user_model()
        user = user_model.objects.filter(email__iexact=email, deleted_at__isnull=True).first()
        if user is None:
            # Same hashing work as for a real account: no timing oracle on who has an account.
            user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user) \
                and user.email_confirmed_at is not None:
            return user
        return None
