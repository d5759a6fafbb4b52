"""Every item error of the products domain, one function per rule (docs/api.md#products-batches),
and the texts of what keeps a variant from being sold (#publication-status-batches).

Texts follow the live service's plain-English wording that client code matches by substring
(``Size not found``, ``Missing attribute for group ... with id ...``); each also names the
offending field or value.
"""

from __future__ import annotations

from decimal import Decimal

from sellers_center.products.rules.gs1 import PrefixUse


def ean_not_13_digits(ean: str) -> str:
    return f"EAN {ean!r} must be exactly 13 digits (0-9), got {len(ean)} characters"


def ean_bad_check_digit(ean: str, expected: str) -> str:
    return f"EAN {ean} has an invalid check digit: expected {expected}, got {ean[-1]}"


def ean_prefix_not_allowed(ean: str, use: PrefixUse) -> str:
    prefix = ean[:3]
    if use is PrefixUse.UNASSIGNED:
        return f"EAN {ean} has GS1 prefix {prefix}, which is not assigned to any GS1 organisation"
    return f"EAN {ean} has GS1 prefix {prefix}, which is reserved for {use} and not for products"


def ean_taken(ean: str, other_sku: str) -> str:
    return f"EAN {ean} is already used by SKU {other_sku}"


def category_not_found(category: int) -> str:
    return f"Category not found: {category}"


def category_not_leaf(category: int, path: str) -> str:
    return f"Category {category} ({path}) is not a leaf category; choose one of its subcategories"


def brand_not_allowed(brand: int) -> str:
    return f"Brand not found: {brand} is not one of your brands"


def color_not_found(color: int, category: int) -> str:
    return f"Color not found: {color} is not a colour of category {category}"


def size_not_found(size: int, category: int) -> str:
    return f"Size not found: {size} is not a size of category {category}"


def size_required(category: int, group: str) -> str:
    return f"Size is required for this category: category {category} uses sizes from {group!r}"


def second_size_not_found(second_size: int, category: int) -> str:
    return f"Second size not found: {second_size} is not a second size of category {category}"


def attribute_not_found(attribute: int, category: int) -> str:
    return f"Attribute not found: {attribute} belongs to no attribute group of category {category}"


def attribute_repeats_field(attribute: int, field: str) -> str:
    return f"Attribute {attribute} repeats the top-level field {field}; give it only there"


def attribute_missing(group: str, group_id: int) -> str:
    return f"Missing attribute for group {group} with id {group_id}"


def attribute_not_multiselect(group: str, group_id: int, attributes: list[int]) -> str:
    given = ", ".join(map(str, attributes))
    return f"Only one attribute allowed for group {group} with id {group_id}, got {given}"


def composition_required(field: str, category: int, kind: str) -> str:
    return f"Material composition is required: {field} for {kind} category {category}"


def composition_not_accepted(field: str, category: int, kind: str | None) -> str:
    described = f"{kind} category" if kind else "category without material composition"
    return f"Material composition not accepted: {field} for {described} {category}"


def cluster_not_found(cluster: int) -> str:
    return f"Material cluster not found: {cluster}"


def cluster_repeated(cluster: int) -> str:
    return f"Material cluster {cluster} is given more than once"


def material_not_found(material: int, cluster: int) -> str:
    return f"Material not found: {material} (in cluster {cluster})"


def fraction_not_positive(material: int, fraction: int) -> str:
    return f"Material fraction must be a positive integer, got {fraction} for material {material}"


def fractions_not_100(cluster: int, total: int) -> str:
    return f"Material fractions of cluster {cluster} add up to {total}, not 100"


def origin_unknown(code: str) -> str:
    return f"Country of origin not found: {code!r} is not an ISO 3166-1 alpha-2 country code"


def country_not_sold(code: str) -> str:
    return f"Country not found: {code!r} is not a country the marketplace sells in"


def price_country_repeated(code: str) -> str:
    return f"Price for country {code} is given more than once"


def price_missing(code: str) -> str:
    return f"Price missing for country {code}, which is listed in countries"


def sale_not_below_retail(code: str, sale: Decimal, retail: Decimal) -> str:
    return f"Sale price {sale} must be lower than retail price {retail} for country {code}"


def price_out_of_range(sku: str, field: str, amount: Decimal, maximum: int) -> str:
    return f"Price {field} {amount} for SKU {sku} must be above 0 and at most {maximum}"


def price_below_smallest_unit(
    code: str, field: str, amount: Decimal, currency: str, smallest: Decimal
) -> str:
    return (
        f"Price {field} {amount} for country {code} is below the smallest amount of "
        f"{currency}, {smallest}"
    )


def price_too_precise(code: str, field: str, amount: Decimal, currency: str, places: int) -> str:
    return (
        f"Price {field} {amount} for country {code} has more decimals than {currency} allows: "
        f"at most {places}"
    )


def locale_not_found(locale: str) -> str:
    return f"Description locale not found: {locale!r}"


def image_not_url(url: str) -> str:
    return f"Image {url!r} is not an absolute http(s) URL"


def style_pending_approval(style_key: str) -> str:
    return f"Style {style_key} is pending approval and cannot be changed until it is reviewed"


def category_change_not_allowed(sku: str, old: int, new: int, status: str) -> str:
    return (
        "Category cannot be changed for existing product unless it is in draft or rejected "
        f"status: SKU {sku} is in category {old}, its style is {status}, requested {new}"
    )


def sku_in_other_style(sku: str, style_key: str) -> str:
    return f"SKU {sku} belongs to style {style_key}; a SKU cannot move to another style"


def style_brand_differs(style_key: str, brand: int, other: int) -> str:
    return f"Brand {brand} differs from brand {other} of the other variants of style {style_key}"


def style_category_differs(style_key: str, category: int, other: int) -> str:
    return (
        f"Category {category} differs from category {other} of the other variants of style "
        f"{style_key}"
    )


def size_taken(size: str, color: int, style_key: str, other_sku: str) -> str:
    return f"Size {size} in colour {color} of style {style_key} is already used by SKU {other_sku}"


def second_size_mixed(color: int, style_key: str) -> str:
    return (
        f"Second size must be given for all variants of colour {color} of style {style_key} "
        "or for none"
    )


def product_not_found(sku: str) -> str:
    return f"Product not found: {sku}"


def product_not_deletable(sku: str, style_key: str, status: str) -> str:
    return (
        f"Product {sku} cannot be deleted: its style {style_key} is {status}; only draft "
        "products can be deleted (set the style to inactive to take it offline)"
    )


def sold_nowhere(sku: str) -> str:
    return f"Variant {sku} cannot be sold: it lists no countries to sell in"


def price_lacking(sku: str, code: str) -> str:
    return f"Variant {sku} cannot be sold: it has no price for country {code}"


def image_lacking(sku: str) -> str:
    return f"Variant {sku} cannot be sold: it has no image"
