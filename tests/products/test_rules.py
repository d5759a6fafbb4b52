"""The business rules of a product upsert (docs/api.md#products-batches), through HTTP, the worker
and the database.

Each rule is shown failing with its exact item errors (and the item not stored) next to a valid
counterpart that passes in the same batch. Messages are written out, not built with ``messages``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from sellers_center.accounts import service as accounts
from sellers_center.db.tables import ProductStyle
from sellers_center.products.rules import currency
from sellers_center.runtime import Runtime
from tests.products.factory import BRAND, SIZE_M, SIZE_S, ean, jacket, upsert
from tests.support import BOTH_BACKENDS, SellerKey

JEANS_WAIST_30, JEANS_WAIST_31 = 1407, 1408
LEG_32, LEG_33 = 1455, 1456
RED = 1017
SHOE_40 = 1311
# Women > Clothing > Trousers & jeans > Trousers: jeans waist sizes with leg lengths.
TROUSERS = {"category": 122, "size": JEANS_WAIST_30, "second_size": LEG_32, "attributes": []}
# Women > Accessories > Sunglasses: no size group, no material composition.
SUNGLASSES: dict[str, Any] = {
    "category": 185,
    "size": None,
    "attributes": [],
    "material_composition_textile": None,
}
LEATHER_UPPER = [{"cluster_id": 1605, "components": [{"material_id": 1720}]}]
# Women > Shoes > Sneakers: non-textile.
SNEAKERS = {
    "category": 141,
    "size": SHOE_40,
    "attributes": [],
    "material_composition_textile": None,
    "material_composition_non_textile": LEATHER_UPPER,
}
COTTON_SHELL = [{"cluster_id": 1601, "components": [{"material_id": 1701, "fraction": 100}]}]


def textile(*clusters: tuple[int, list[tuple[int, int]]]) -> list[dict[str, Any]]:
    return [
        {
            "cluster_id": cluster,
            "components": [{"material_id": m, "fraction": f} for m, f in components],
        }
        for cluster, components in clusters
    ]


def prices(*entries: tuple[str, float] | tuple[str, float, float]) -> list[dict[str, Any]]:
    result = []
    for code, retail, *sale in entries:
        price: dict[str, Any] = {"country_code": code, "retail_price": retail}
        if sale:
            price["sale_price"] = sale[0]
        result.append(price)
    return result


def outcomes(results: dict[str, Any]) -> list[tuple[bool, list[str]]]:
    assert results["status"] == "completed"
    return [(item["success"], item["errors"]) for item in results["items"]]


async def listing(client: httpx.AsyncClient, seller: SellerKey, **filters: str) -> dict[str, Any]:
    response = await client.get("/api/v1/products/", params=filters, headers=seller.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def stored(client: httpx.AsyncClient, seller: SellerKey, **filters: str) -> list[str]:
    """The SKUs stored under ``filters``, checked against the listing's total."""
    body = await listing(client, seller, **filters)
    assert body["pagination"]["total"] == len(body["items"])
    return sorted(item["sku"] for item in body["items"])


async def set_style_status(
    runtime: Runtime, seller: SellerKey, style_key: str, status: str
) -> None:
    """Put a style into ``status`` directly, as the operator's review would."""
    async with runtime.database.write_session.begin() as session:
        await session.execute(
            update(ProductStyle)
            .where(ProductStyle.seller_id == seller.seller_id, ProductStyle.style_key == style_key)
            .values(status=status)
        )


# --- one item at a time: (changes that break the rule, a valid counterpart, exact errors) ---

ITEM_RULES = [
    # category, brand, colour, sizes
    pytest.param({"category": 999}, {}, ["Category not found: 999"], id="category-unknown"),
    pytest.param(
        {"category": 111},
        {"category": 113, "attributes": []},
        [
            "Category 111 (Women > Clothing > Jackets & coats) is not a leaf category; "
            "choose one of its subcategories"
        ],
        id="category-not-leaf",
    ),
    pytest.param(
        {"color": 9999},
        {"color": RED},
        ["Color not found: 9999 is not a colour of category 112"],
        id="color-not-in-category",
    ),
    pytest.param(
        {"size": None},
        {"size": 1208},
        ["Size is required for this category: category 112 uses sizes from 'Clothing size'"],
        id="size-missing",
    ),
    pytest.param(
        {"size": JEANS_WAIST_30},
        {"size": 1201},
        ["Size not found: 1407 is not a size of category 112"],
        id="size-not-in-category",
    ),
    pytest.param(
        {"second_size": LEG_32},
        TROUSERS,
        ["Second size not found: 1455 is not a second size of category 112"],
        id="second-size-on-category-without-second-sizes",
    ),
    pytest.param(
        {**TROUSERS, "second_size": JEANS_WAIST_31},
        {**TROUSERS, "second_size": 1459},
        ["Second size not found: 1408 is not a second size of category 122"],
        id="second-size-not-in-category",
    ),
    pytest.param(
        {**TROUSERS, "size": SIZE_S},
        {**TROUSERS, "size": 1414},
        ["Size not found: 1203 is not a size of category 122"],
        id="size-of-another-group",
    ),
    pytest.param(
        {**SUNGLASSES, "size": SIZE_S},
        SUNGLASSES,
        ["Size not found: 1203 is not a size of category 185"],
        id="size-on-category-without-sizes",
    ),
    # attributes
    pytest.param(
        {"attributes": [2201, 99999]},
        {"attributes": [2202]},
        ["Attribute not found: 99999 belongs to no attribute group of category 112"],
        id="attribute-unknown",
    ),
    pytest.param(
        {"attributes": [2201, 2001]},
        {"attributes": [2201, 1903]},
        ["Attribute not found: 2001 belongs to no attribute group of category 112"],
        id="attribute-of-another-category",
    ),
    pytest.param(
        {"attributes": [2201, 1001]},
        {"attributes": [2201]},
        ["Attribute 1001 repeats the top-level field color; give it only there"],
        id="attribute-repeats-color",
    ),
    pytest.param(
        {"attributes": [2201, BRAND]},
        {"attributes": [2201]},
        ["Attribute 1101 repeats the top-level field brand; give it only there"],
        id="attribute-repeats-brand",
    ),
    pytest.param(
        {"attributes": [2201, SIZE_S]},
        {"attributes": [2201]},
        ["Attribute 1203 repeats the top-level field size; give it only there"],
        id="attribute-repeats-size",
    ),
    pytest.param(
        {"attributes": []},
        {"attributes": [2215]},
        ["Missing attribute for group jacket_style with id 1441"],
        id="required-group-missing",
    ),
    pytest.param(
        {"attributes": [1801, 1903]},
        {"attributes": [1801, 1903, 2210]},
        ["Missing attribute for group jacket_style with id 1441"],
        id="required-group-missing-among-others",
    ),
    pytest.param(
        {"attributes": [2201, 2202]},
        {"attributes": [2201, 1801, 1802, 1803, 2151, 2157]},
        ["Only one attribute allowed for group jacket_style with id 1441, got 2201, 2202"],
        id="two-values-in-single-select-group",
    ),
    pytest.param(
        {"attributes": [2201, 1901, 1902]},
        {"attributes": [2201, 1901]},
        ["Only one attribute allowed for group fit with id 32, got 1901, 1902"],
        id="two-values-in-optional-single-select-group",
    ),
    # material composition
    pytest.param(
        {"material_composition_textile": None},
        {},
        ["Material composition is required: material_composition_textile for textile category 112"],
        id="textile-composition-missing",
    ),
    pytest.param(
        {"material_composition_textile": []},
        {},
        ["Material composition is required: material_composition_textile for textile category 112"],
        id="textile-composition-empty",
    ),
    pytest.param(
        {"material_composition_textile": None, "material_composition_non_textile": LEATHER_UPPER},
        {},
        [
            "Material composition is required: material_composition_textile for textile "
            "category 112",
            "Material composition not accepted: material_composition_non_textile for textile "
            "category 112",
        ],
        id="non-textile-composition-on-textile-category",
    ),
    pytest.param(
        {"material_composition_non_textile": LEATHER_UPPER},
        {},
        [
            "Material composition not accepted: material_composition_non_textile for textile "
            "category 112"
        ],
        id="both-compositions-on-textile-category",
    ),
    pytest.param(
        {**SUNGLASSES, "material_composition_textile": COTTON_SHELL},
        SUNGLASSES,
        [
            "Material composition not accepted: material_composition_textile for category "
            "without material composition 185"
        ],
        id="composition-on-category-without-composition",
    ),
    pytest.param(
        {**SNEAKERS, "material_composition_non_textile": None},
        SNEAKERS,
        [
            "Material composition is required: material_composition_non_textile for "
            "non-textile category 141"
        ],
        id="non-textile-composition-missing",
    ),
    pytest.param(
        {**SNEAKERS, "material_composition_textile": COTTON_SHELL},
        {
            **SNEAKERS,
            "material_composition_non_textile": [
                {"cluster_id": 1605, "components": [{"material_id": 1720}, {"material_id": 1721}]},
                {"cluster_id": 1606, "components": [{"material_id": 1724}]},
            ],
        },
        [
            "Material composition not accepted: material_composition_textile for non-textile "
            "category 141"
        ],
        id="textile-composition-on-non-textile-category",
    ),
    pytest.param(
        {**SNEAKERS, "material_composition_non_textile": [{"cluster_id": 1699, "components": []}]},
        SNEAKERS,
        ["Material cluster not found: 1699"],
        id="non-textile-cluster-unknown",
    ),
    pytest.param(
        {"material_composition_textile": textile((1699, [(1701, 100)]))},
        {"material_composition_textile": textile((1609, [(1701, 100)]))},
        ["Material cluster not found: 1699"],
        id="cluster-unknown",
    ),
    pytest.param(
        {"material_composition_textile": textile((1601, [(1701, 60), (1799, 40)]))},
        {"material_composition_textile": textile((1601, [(1701, 60), (1732, 40)]))},
        ["Material not found: 1799 (in cluster 1601)"],
        id="material-unknown",
    ),
    pytest.param(
        {"material_composition_textile": textile((1601, [(1701, 100)]), (1601, [(1703, 100)]))},
        {"material_composition_textile": textile((1601, [(1701, 100)]), (1602, [(1703, 100)]))},
        ["Material cluster 1601 is given more than once"],
        id="cluster-repeated",
    ),
    pytest.param(
        {"material_composition_textile": textile((1601, [(1701, 100), (1703, 0)]))},
        {"material_composition_textile": textile((1601, [(1701, 99), (1703, 1)]))},
        ["Material fraction must be a positive integer, got 0 for material 1703"],
        id="fraction-zero",
    ),
    pytest.param(
        {"material_composition_textile": textile((1601, [(1701, 110), (1703, -10)]))},
        {"material_composition_textile": textile((1601, [(1701, 90), (1703, 10)]))},
        ["Material fraction must be a positive integer, got -10 for material 1703"],
        id="fraction-negative",
    ),
    pytest.param(
        {
            "material_composition_textile": textile(
                (1601, [(1701, 60), (1703, 40)]), (1602, [(1706, 90)])
            )
        },
        {
            "material_composition_textile": textile(
                (1601, [(1701, 60), (1703, 40)]), (1602, [(1706, 100)])
            )
        },
        ["Material fractions of cluster 1602 add up to 90, not 100"],
        id="fractions-not-100-in-one-cluster",
    ),
    pytest.param(
        {"material_composition_textile": textile((1601, [(1701, 60), (1703, 50)]))},
        {"material_composition_textile": textile((1601, [(1701, 50), (1703, 50)]))},
        ["Material fractions of cluster 1601 add up to 110, not 100"],
        id="fractions-over-100",
    ),
    # markets
    pytest.param(
        {"country_of_origin": "XX"},
        {"country_of_origin": "pt"},
        ["Country of origin not found: 'XX' is not an ISO 3166-1 alpha-2 country code"],
        id="origin-unknown",
    ),
    pytest.param(
        {"country_of_origin": "UK"},
        {"country_of_origin": "CN"},
        ["Country of origin not found: 'UK' is not an ISO 3166-1 alpha-2 country code"],
        id="origin-not-iso",
    ),
    pytest.param(
        {"countries": ["DE", "AT", "US"]},
        {"countries": ["DE", "AT"]},
        [
            "Country not found: 'US' is not a country the marketplace sells in",
            "Price missing for country US, which is listed in countries",
        ],
        id="non-selling-country-without-price",
    ),
    pytest.param(
        {"prices": prices(("DE", 129.95), ("AT", 134.95), ("US", 149.95))},
        {"prices": prices(("DE", 129.95), ("AT", 134.95), ("FR", 139.95))},
        ["Country not found: 'US' is not a country the marketplace sells in"],
        id="price-for-non-selling-country",
    ),
    pytest.param(
        {"prices": prices(("DE", 129.95), ("AT", 134.95), ("de", 119.95))},
        {"prices": prices(("de", 129.95), ("AT", 134.95))},
        ["Price for country DE is given more than once"],
        id="two-prices-for-one-country",
    ),
    pytest.param(
        {"countries": ["DE", "AT", "FR"]},
        {"countries": ["DE", "AT", "FR"], "prices": prices(("DE", 1), ("AT", 2), ("FR", 3))},
        ["Price missing for country FR, which is listed in countries"],
        id="country-without-price",
    ),
    pytest.param(
        {"prices": prices(("DE", 129.95, 129.95), ("AT", 134.95))},
        {"prices": prices(("DE", 129.95, 129.94), ("AT", 134.95))},
        ["Sale price 129.95 must be lower than retail price 129.95 for country DE"],
        id="sale-price-equal-to-retail",
    ),
    pytest.param(
        {"prices": prices(("DE", 129.95), ("AT", 134.95, 140))},
        {"prices": prices(("DE", 129.95), ("AT", 134.95, 0.5))},
        ["Sale price 140 must be lower than retail price 134.95 for country AT"],
        id="sale-price-above-retail",
    ),
    # Amounts in the currency of the country (ISO 4217: EUR has 2 decimals).
    pytest.param(
        {"prices": prices(("DE", 1e-300), ("AT", 134.95))},
        {"prices": prices(("DE", 0.01), ("AT", 134.95))},
        ["Price retail_price 1E-300 for country DE is below the smallest amount of EUR, 0.01"],
        id="retail-price-rounding-to-zero",
    ),
    pytest.param(
        {"prices": prices(("DE", 129.955), ("AT", 134.95))},
        {"prices": prices(("DE", 129.9), ("AT", 134.95))},
        ["Price retail_price 129.955 for country DE has more decimals than EUR allows: at most 2"],
        id="retail-price-finer-than-the-currency",
    ),
    pytest.param(
        {"prices": prices(("DE", 129.95), ("AT", 134.95, 99.999))},
        {"prices": prices(("DE", 129.95), ("AT", 134.95, 99))},
        ["Price sale_price 99.999 for country AT has more decimals than EUR allows: at most 2"],
        id="sale-price-finer-than-the-currency",
    ),
    pytest.param(
        {"descriptions": {"en": "A jacket.", "xx": "?"}},
        {"descriptions": {"nl": "Een jas.", "pt": "Um casaco."}},
        ["Description locale not found: 'xx'"],
        id="description-locale-unknown",
    ),
    pytest.param(
        {"images": ["/img/jkt-1-front.jpg", "ftp://img.example.com/jkt-1-back.jpg"]},
        {"images": ["http://img.example.com/a.jpg", "HTTPS://img.example.com/b.jpg"]},
        [
            "Image '/img/jkt-1-front.jpg' is not an absolute http(s) URL",
            "Image 'ftp://img.example.com/jkt-1-back.jpg' is not an absolute http(s) URL",
        ],
        id="image-not-absolute-http",
    ),
    pytest.param(
        {"images": ["https://"]},
        {},
        ["Image 'https://' is not an absolute http(s) URL"],
        id="image-without-host",
    ),
    pytest.param(
        {"ean": "2000000000015"},
        {"ean": "0012345678905"},
        [
            "EAN 2000000000015 has GS1 prefix 200, which is reserved for restricted circulation "
            "and not for products"
        ],
        id="ean-restricted-prefix",
    ),
]


@pytest.mark.parametrize(("breaking", "valid", "expected"), ITEM_RULES)
async def test_an_item_breaking_a_rule_is_refused_and_its_counterpart_stored(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    breaking: dict[str, Any],
    valid: dict[str, Any],
    expected: list[str],
) -> None:
    bad = jacket("BAD-1", "BAD", **{"ean": ean(1), **breaking})
    good = jacket("GOOD-1", "GOOD", **{"ean": ean(2), **valid})

    results = await upsert(client, runtime, seller, [bad, good])

    assert outcomes(results) == [(False, expected), (True, [])]
    assert await stored(client, seller, sku="BAD-1") == []
    assert await stored(client, seller, style_key="BAD") == []
    assert await stored(client, seller, sku="GOOD-1") == ["GOOD-1"]


async def test_a_valid_item_is_stored_with_country_codes_in_upper_case(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    item = jacket(country_of_origin="pt", countries=["de"], prices=prices(("de", 129.95)))

    assert outcomes(await upsert(client, runtime, seller, [item])) == [(True, [])]

    [product] = (await listing(client, seller, sku="JKT-1-S"))["items"]
    codes = [price["country_code"] for price in product["prices"]]
    assert (product["country_of_origin"], product["countries"], codes) == ("PT", ["DE"], ["DE"])
    assert product["status"] == "draft"


async def test_a_brand_not_granted_to_the_seller_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    now = runtime.clock.now()
    async with runtime.database.write_session.begin() as session:
        seller_id = await accounts.create_seller(session, "one-brand", [BRAND], now)
        issued = await accounts.create_key(session, seller_id, label="tests", now=now)
    limited = SellerKey(seller_id, "one-brand", issued.key, issued.key_id)
    items = [
        jacket("BAD-1", "BAD", ean=ean(1), brand=1102),
        jacket("GOOD-1", "GOOD", ean=ean(2), brand=BRAND),
    ]

    results = await upsert(client, runtime, limited, items)

    assert outcomes(results) == [
        (False, ["Brand not found: 1102 is not one of your brands"]),
        (True, []),
    ]
    assert await stored(client, limited) == ["GOOD-1"]
    # the seller with every brand may use 1102
    assert outcomes(await upsert(client, runtime, seller, items[:1])) == [(True, [])]


# --- duplicate EANs -------------------------------------------------------------------------


@BOTH_BACKENDS
async def test_an_ean_is_refused_for_a_second_sku_in_the_same_batch(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    first = jacket("JKT-1-S", ean=ean(7))
    second = jacket("JKT-1-M", size=SIZE_M, ean=ean(7))

    results = await upsert(client, runtime, seller, [first, second])

    assert outcomes(results) == [
        (True, []),
        (False, [f"EAN {ean(7)} is already used by SKU JKT-1-S"]),
    ]
    assert await stored(client, seller) == ["JKT-1-S"]


@BOTH_BACKENDS
async def test_an_ean_is_refused_when_a_stored_sku_holds_it(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, other_seller: SellerKey
) -> None:
    first = jacket("JKT-1-S", ean=ean(7))
    assert outcomes(await upsert(client, runtime, seller, [first])) == [(True, [])]
    before = await listing(client, seller)

    again = jacket("JKT-1-S", ean=ean(7), name="Aurora II")  # the owner itself may resend it
    second = jacket("JKT-2-S", "JKT-2", ean=ean(7))
    results = await upsert(client, runtime, seller, [second, again])

    assert outcomes(results) == [
        (False, [f"EAN {ean(7)} is already used by SKU JKT-1-S"]),
        (True, []),
    ]
    after = await listing(client, seller)
    assert [item["sku"] for item in after["items"]] == ["JKT-1-S"]
    assert after["items"][0]["name"] == "Aurora II"
    assert before["pagination"] == after["pagination"]
    # EANs are unique per seller: another seller may use the same one
    assert outcomes(await upsert(client, runtime, other_seller, [second])) == [(True, [])]


async def test_a_refused_item_does_not_claim_its_ean(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    refused = jacket("JKT-1-S", ean=ean(7), category=999)
    taker = jacket("JKT-2-S", "JKT-2", ean=ean(7))

    results = await upsert(client, runtime, seller, [refused, taker])

    assert outcomes(results) == [(False, ["Category not found: 999"]), (True, [])]
    assert await stored(client, seller) == ["JKT-2-S"]


@BOTH_BACKENDS
@pytest.mark.parametrize("resent", [False, True], ids=["once", "owner-resent-after-taker"])
async def test_an_ean_freed_earlier_in_a_batch_can_be_taken(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, resent: bool
) -> None:
    assert outcomes(await upsert(client, runtime, seller, [jacket(ean=ean(7))])) == [(True, [])]
    moved = jacket("JKT-1-S", ean=ean(8))
    taker = jacket("JKT-1-M", size=SIZE_M, ean=ean(7))
    items = [moved, taker, moved] if resent else [moved, taker]

    results = await upsert(client, runtime, seller, items)

    assert outcomes(results) == [(True, [])] * len(items)
    eans = {item["sku"]: item["ean"] for item in (await listing(client, seller))["items"]}
    assert eans == {"JKT-1-S": ean(8), "JKT-1-M": ean(7)}


# --- within a style -------------------------------------------------------------------------

STYLE_RULES = [
    pytest.param(
        {},
        {"brand": 1102, "size": SIZE_M},
        ["Brand 1102 differs from brand 1101 of the other variants of style STYLE-1"],
        id="brand-differs",
    ),
    pytest.param(
        {},
        {"category": 212, "size": SIZE_M},
        ["Category 212 differs from category 112 of the other variants of style STYLE-1"],
        id="category-differs",
    ),
    pytest.param(
        {},
        {},
        ["Size 1203 in colour 1001 of style STYLE-1 is already used by SKU STYLE-1-A"],
        id="size-twice-in-colourway",
    ),
    pytest.param({}, {"color": RED}, [], id="same-size-in-another-colourway"),
    pytest.param({}, {"size": SIZE_M}, [], id="another-size-in-colourway"),
    pytest.param(
        TROUSERS,
        TROUSERS,
        ["Size 1407/1455 in colour 1001 of style STYLE-1 is already used by SKU STYLE-1-A"],
        id="size-and-second-size-twice-in-colourway",
    ),
    pytest.param(TROUSERS, {**TROUSERS, "second_size": LEG_33}, [], id="another-leg-length"),
    pytest.param(
        TROUSERS,
        {**TROUSERS, "size": JEANS_WAIST_31, "second_size": None},
        ["Second size must be given for all variants of colour 1001 of style STYLE-1 or for none"],
        id="second-size-dropped-in-colourway",
    ),
    pytest.param(
        {**TROUSERS, "second_size": None},
        {**TROUSERS, "size": JEANS_WAIST_31},
        ["Second size must be given for all variants of colour 1001 of style STYLE-1 or for none"],
        id="second-size-added-in-colourway",
    ),
    pytest.param(
        TROUSERS,
        {**TROUSERS, "size": JEANS_WAIST_31, "second_size": None, "color": RED},
        [],
        id="no-second-size-in-another-colourway",
    ),
]


@BOTH_BACKENDS
@pytest.mark.parametrize("split", [False, True], ids=["one-batch", "two-batches"])
@pytest.mark.parametrize(("first", "second", "expected"), STYLE_RULES)
async def test_variants_of_a_style_must_agree(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    first: dict[str, Any],
    second: dict[str, Any],
    expected: list[str],
    split: bool,
) -> None:
    items = [
        jacket("STYLE-1-A", "STYLE-1", **{"ean": ean(1), **first}),
        jacket("STYLE-1-B", "STYLE-1", **{"ean": ean(2), **second}),
    ]

    if split:
        results = [*outcomes(await upsert(client, runtime, seller, items[:1]))]
        results += outcomes(await upsert(client, runtime, seller, items[1:]))
    else:
        results = outcomes(await upsert(client, runtime, seller, items))

    assert results == [(True, []), (not expected, expected)]
    skus = ["STYLE-1-A"] if expected else ["STYLE-1-A", "STYLE-1-B"]
    assert await stored(client, seller, style_key="STYLE-1") == skus


@BOTH_BACKENDS
async def test_a_sku_cannot_move_to_another_style(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    assert outcomes(await upsert(client, runtime, seller, [jacket("JKT-1-S", "JKT-1")])) == [
        (True, [])
    ]
    before = await listing(client, seller)

    results = await upsert(client, runtime, seller, [jacket("JKT-1-S", "JKT-2")])

    assert outcomes(results) == [
        (False, ["SKU JKT-1-S belongs to style JKT-1; a SKU cannot move to another style"])
    ]
    assert await listing(client, seller) == before
    assert await stored(client, seller, style_key="JKT-2") == []


# --- the style's publication state ----------------------------------------------------------


@BOTH_BACKENDS
async def test_a_style_pending_approval_cannot_be_changed(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    assert outcomes(await upsert(client, runtime, seller, [jacket("JKT-1-S", "JKT-1")])) == [
        (True, [])
    ]
    await set_style_status(runtime, seller, "JKT-1", "pending_approval")
    before = await listing(client, seller)
    assert [item["status"] for item in before["items"]] == ["pending_approval"]

    changed = jacket("JKT-1-S", "JKT-1", name="Aurora II", weight=900)
    added = jacket("JKT-1-M", "JKT-1", ean=ean(2), size=SIZE_M)
    results = await upsert(client, runtime, seller, [changed, added])

    locked = "Style JKT-1 is pending approval and cannot be changed until it is reviewed"
    assert outcomes(results) == [(False, [locked]), (False, [locked])]
    assert await listing(client, seller) == before


@BOTH_BACKENDS
@pytest.mark.parametrize("status", ["active", "inactive", "pending_active", "problem"])
async def test_the_category_is_fixed_once_a_style_is_past_review(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, status: str
) -> None:
    assert outcomes(await upsert(client, runtime, seller, [jacket("JKT-1-S", "JKT-1")])) == [
        (True, [])
    ]
    await set_style_status(runtime, seller, "JKT-1", status)
    before = await listing(client, seller)

    results = await upsert(client, runtime, seller, [jacket("JKT-1-S", "JKT-1", category=212)])

    assert outcomes(results) == [
        (
            False,
            [
                "Category cannot be changed for existing product unless it is in draft or "
                f"rejected status: SKU JKT-1-S is in category 112, its style is {status}, "
                "requested 212"
            ],
        )
    ]
    assert await listing(client, seller) == before
    # the rest of the variant may still change
    renamed = jacket("JKT-1-S", "JKT-1", name="Aurora II")
    assert outcomes(await upsert(client, runtime, seller, [renamed])) == [(True, [])]


@BOTH_BACKENDS
@pytest.mark.parametrize("status", ["draft", "rejected"])
async def test_the_category_may_change_while_draft_or_rejected(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, status: str
) -> None:
    assert outcomes(await upsert(client, runtime, seller, [jacket("JKT-1-S", "JKT-1")])) == [
        (True, [])
    ]
    await set_style_status(runtime, seller, "JKT-1", status)

    results = await upsert(client, runtime, seller, [jacket("JKT-1-S", "JKT-1", category=212)])

    assert outcomes(results) == [(True, [])]
    [product] = (await listing(client, seller))["items"]
    assert (product["category"], product["status"]) == (212, status)


@BOTH_BACKENDS
@pytest.mark.parametrize("status", ["draft", "rejected"])
async def test_the_category_of_every_variant_may_change_together(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, status: str
) -> None:
    """The products guide (docs/api.md#products-batches) lets a draft or rejected style change
    category; with several variants that can only be done by resending all of them in one batch (a
    rejected style's variants cannot be deleted), so the batch must be judged by the style it leaves
    behind."""
    sizes = {"JKT-1-S": SIZE_S, "JKT-1-M": SIZE_M}
    items = [jacket(sku, "JKT-1", ean=ean(n), size=s) for n, (sku, s) in enumerate(sizes.items())]
    assert outcomes(await upsert(client, runtime, seller, items)) == [(True, []), (True, [])]
    await set_style_status(runtime, seller, "JKT-1", status)

    moved = [{**item, "category": 212} for item in items]
    results = await upsert(client, runtime, seller, moved)

    assert outcomes(results) == [(True, []), (True, [])]
    categories = [item["category"] for item in (await listing(client, seller))["items"]]
    assert categories == [212, 212]


@pytest.mark.parametrize(
    ("amount", "places"),
    [
        ("129.95", 2),
        ("129.950", 2),
        ("1E+2", 0),
        ("100", 0),
        ("0.000", 0),
        ("1E-999", 999),
        # More digits than the decimal context's precision (28): counted, not rounded away.
        ("1.00000000000000000000000000001", 29),
    ],
)
def test_the_decimals_of_an_amount_are_those_its_value_needs(amount: str, places: int) -> None:
    assert currency.decimals(Decimal(amount)) == places


def test_the_minor_units_are_iso_4217s() -> None:
    assert [currency.minor_unit(code) for code in ("EUR", "CZK", "HUF", "SEK")] == [2, 2, 2, 2]
    assert [currency.minor_unit(code) for code in ("JPY", "ISK", "KWD", "CLF")] == [0, 0, 3, 4]
