"""The network registry: regions, dealers, stores and product lines."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.i18n import localized
from portal.models.base import (
    LabelledEnum,
    TimestampMixin,
    VersionedMixin,
    register_labels,
    str_enum,
)

if TYPE_CHECKING:
    from portal.models.users import User


class DealerKind(LabelledEnum):
    FRANCHISEE = "franchisee"
    DEALER = "dealer"
    DISTRIBUTOR = "distributor"


class DealerStatus(LabelledEnum):
    PROSPECT = "prospect"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


class StoreFormat(LabelledEnum):
    FLAGSHIP = "flagship"
    STANDARD = "standard"
    SHOP_IN_SHOP = "shop_in_shop"
    COUNTER = "counter"
    OUTLET = "outlet"


class StoreStatus(LabelledEnum):
    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"


register_labels(
    DealerKind,
    {
        DealerKind.FRANCHISEE: _l("Franchisee"),
        DealerKind.DEALER: _l("Dealer"),
        DealerKind.DISTRIBUTOR: _l("Distributor"),
    },
)
register_labels(
    DealerStatus,
    {
        DealerStatus.PROSPECT: _l("Prospect"),
        DealerStatus.ACTIVE: lazy_pgettext("dealer status", "Active"),
        DealerStatus.SUSPENDED: _l("Suspended"),
        DealerStatus.TERMINATED: _l("Terminated"),
    },
)
register_labels(
    StoreFormat,
    {
        StoreFormat.FLAGSHIP: _l("Flagship"),
        StoreFormat.STANDARD: _l("Standard store"),
        StoreFormat.SHOP_IN_SHOP: _l("Shop-in-shop"),
        StoreFormat.COUNTER: _l("Counter"),
        StoreFormat.OUTLET: _l("Outlet"),
    },
)
register_labels(
    StoreStatus,
    {
        StoreStatus.PLANNED: _l("Planned"),
        StoreStatus.OPEN: lazy_pgettext("store status", "Open"),
        StoreStatus.CLOSED: lazy_pgettext("store status", "Closed"),
    },
)


class Region(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    # Complaints' service levels count business hours in the region's time zone
    # (portal/complaints/hours.py), and complaints are forwarded to its after-sales contact:
    # a user of the portal, or a mailbox outside it.
    timezone: Mapped[str] = mapped_column(
        String(64), default="Asia/Shanghai", server_default="Asia/Shanghai"
    )
    after_sales_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", use_alter=True)
    )
    after_sales_email: Mapped[str] = mapped_column(String(254), default="", server_default="")

    dealers: Mapped[list[Dealer]] = relationship(back_populates="region")
    after_sales_user: Mapped[User | None] = relationship(foreign_keys=[after_sales_user_id])
    supervisors: Mapped[list[User]] = relationship(
        secondary="supervisor_regions", back_populates="regions", viewonly=True
    )

    def __str__(self) -> str:
        return self.name


class Dealer(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "dealers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[DealerKind] = mapped_column(str_enum(DealerKind, "dealer_kind"))
    status: Mapped[DealerStatus] = mapped_column(str_enum(DealerStatus, "dealer_status"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    contact_person: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    city: Mapped[str] = mapped_column(String(120), default="", index=True)
    # the city in the other language, or another name people search by (北京 / Beijing)
    city_alias: Mapped[str] = mapped_column(String(120), default="", server_default="")
    contract_start: Mapped[date | None]
    contract_end: Mapped[date | None]
    active: Mapped[bool] = mapped_column(default=True)

    region: Mapped[Region] = relationship(back_populates="dealers")
    stores: Mapped[list[Store]] = relationship(back_populates="dealer", order_by="Store.code")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Store(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id"), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    city: Mapped[str] = mapped_column(String(120), default="", index=True)
    city_alias: Mapped[str] = mapped_column(String(120), default="", server_default="")
    format: Mapped[StoreFormat] = mapped_column(str_enum(StoreFormat, "store_format"))
    opened_on: Mapped[date | None]
    status: Mapped[StoreStatus] = mapped_column(str_enum(StoreStatus, "store_status"))
    active: Mapped[bool] = mapped_column(default=True)

    dealer: Mapped[Dealer] = relationship(back_populates="stores")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProductLine(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "product_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120), default="", server_default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def label(self) -> str:
        """The name in the reader's language (the English name when there is no Chinese one)."""
        return localized(self.name, self.name_zh)

    def __str__(self) -> str:
        return self.label
