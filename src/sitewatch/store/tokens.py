"""Bearer tokens for the web API's writes.

A token is 32 random bytes (URL-safe text), shown once when created; the store keeps
only its SHA-256 digest, so a copy of the database does not hold usable tokens.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sitewatch.errors import TokenNotFoundError
from sitewatch.store.models import TokenRow
from sitewatch.store.runs import now_utc
from sitewatch.times import iso_utc


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    """A token's record (never the token itself)."""

    id: int
    name: str
    created_at: datetime
    last_used: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "created_at": iso_utc(self.created_at),
            "last_used": iso_utc(self.last_used) if self.last_used else None,
        }


def _info(r: TokenRow) -> TokenInfo:
    return TokenInfo(r.id, r.name, r.created_at, r.last_used)


class TokenRecords:
    """Store methods for API tokens (see the module docstring)."""

    def transaction(self) -> contextlib.AbstractContextManager[Session]:
        raise NotImplementedError  # provided by Store

    def create_token(self, name: str) -> tuple[TokenInfo, str]:
        """A new token named ``name``: its record and the token (shown only now)."""
        token = secrets.token_urlsafe(32)
        with self.transaction() as s:
            row = TokenRow(name=name, digest=digest(token), created_at=now_utc())
            s.add(row)
            s.flush()
            return _info(row), token

    def list_tokens(self) -> list[TokenInfo]:
        with self.transaction() as s:
            return [_info(r) for r in s.scalars(select(TokenRow).order_by(TokenRow.id))]

    def revoke_token(self, token_id: int) -> None:
        with self.transaction() as s:
            row = s.get(TokenRow, token_id)
            if row is None:
                raise TokenNotFoundError(f"no token {token_id}; see `sitewatch token list`")
            s.delete(row)

    def check_token(self, token: str) -> TokenInfo | None:
        """The record of ``token`` when it is a current token (its use is noted), else None."""
        with self.transaction() as s:
            row = s.scalars(select(TokenRow).where(TokenRow.digest == digest(token))).one_or_none()
            if row is None:
                return None
            row.last_used = now_utc()
            return _info(row)
