"""The catalogue: taxonomy, attributes, selling countries, carriers, locales, rejection reasons."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from sellers_center.db.tables.base import Base


class CatalogState(Base):
    """One row; ``version`` grows on every catalogue change so processes drop their caches."""

    __tablename__ = "catalog_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class AttributeGroup(Base):
    __tablename__ = "attribute_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(100))
    frontend_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    is_multiselect: Mapped[bool] = mapped_column(Boolean)
    required: Mapped[bool] = mapped_column(Boolean)


class Attribute(Base):
    __tablename__ = "attributes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("attribute_groups.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    frontend_name: Mapped[str] = mapped_column(String(200))


class Category(Base):
    """A node of the taxonomy tree; leaves are the categories products are filed under.

    ``parent_id`` is checked by the catalogue import rather than a foreign key, so a whole tree
    can be replaced in one pass without ordering the statements.
    """

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(Integer, index=True)
    material_composition_type: Mapped[str | None] = mapped_column(String(16))


class CategoryAttributeGroup(Base):
    """A group applies to its category and, through the tree, to every descendant."""

    __tablename__ = "category_attribute_groups"

    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("attribute_groups.id", ondelete="CASCADE"), primary_key=True
    )


class Currency(Base):
    __tablename__ = "currencies"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class Country(Base):
    """A country the marketplace sells in."""

    __tablename__ = "countries"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    currency_code: Mapped[str] = mapped_column(ForeignKey("currencies.code"))
    vat_rate: Mapped[str | None] = mapped_column(String(8))
    """The standard VAT rate in percent as exact decimal text (``"19"``, ``"25.5"``); null when
    the catalogue gives none."""


class Carrier(Base):
    """A carrier an order shipped to ``country_code`` may be handed to."""

    __tablename__ = "carriers"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    carrier_name: Mapped[str] = mapped_column(String(100))
    country_code: Mapped[str] = mapped_column(
        ForeignKey("countries.code", ondelete="CASCADE"), index=True
    )
    display_label: Mapped[str] = mapped_column(String(200))


class Locale(Base):
    __tablename__ = "locales"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class RejectionReason(Base):
    __tablename__ = "rejection_reasons"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
