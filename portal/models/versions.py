"""Data versions: a counter per kind of data, bumped by every transaction that changes it.

`portal.cache` keys computed figures on the "network" version, so a cached home page is
reused only while nothing it is computed from has changed.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

NETWORK = "network"


class DataVersion(db.Model):
    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
