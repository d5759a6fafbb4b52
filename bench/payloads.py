"""Realistic product batches against the demo catalogue: jackets, jeans and sneakers."""

from __future__ import annotations

import json
from typing import Any

from stdnum import ean as ean_checksum

BRANDS = (1101, 1102, 1103, 1104, 1105)
COLORS = (1001, 1002, 1003, 1004, 1005, 1006)
COUNTRIES = ("DE", "AT", "NL", "FR", "PL")
VARIANTS_PER_STYLE = 5


def _ean(serial: int) -> str:
    body = f"40{serial:010d}"
    return body + ean_checksum.calc_check_digit(body)


def _prices(base: float) -> list[dict[str, Any]]:
    prices: list[dict[str, Any]] = [
        {"country_code": code, "retail_price": round(base + 5 * n, 2)}
        for n, code in enumerate(COUNTRIES)
    ]
    prices[1]["sale_price"] = round(base * 0.8, 2)
    return prices


def _common(style: int, variant: int, serial: int) -> dict[str, Any]:
    return {
        "style_key": f"STY-{style:07d}",
        "sku": f"STY-{style:07d}-{variant}",
        "ean": _ean(serial),
        "hs_code": "6203423100",
        "name": f"Model {style % 997}",
        "descriptions": {
            "en": "Relaxed fit, brushed finish and tonal stitching. " * 6,
            "de": "Lockere Passform, gebürstete Oberfläche und Ton-in-Ton-Nähte. " * 6,
        },
        "color": COLORS[style % len(COLORS)],
        "brand": BRANDS[style % len(BRANDS)],
        "quantity": (style * 7 + variant) % 40,
        "countries": list(COUNTRIES),
        "country_of_origin": ("PT", "IT", "TR", "BD", "VN")[style % 5],
        "prices": _prices(49.95 + style % 50),
        "images": [f"https://img.example.com/{style}/{variant}/{n}.jpg" for n in range(4)],
    }


def _jacket(style: int, variant: int, serial: int) -> dict[str, Any]:
    return {
        **_common(style, variant, serial),
        "category": 112,
        "size": 1201 + variant,
        "weight": 900,
        "attributes": [2201 + style % 8, 1801, 1901],
        "material_composition_textile": [
            {
                "cluster_id": 1601,
                "components": [
                    {"material_id": 1701, "fraction": 60},
                    {"material_id": 1703, "fraction": 40},
                ],
            },
            {"cluster_id": 1602, "components": [{"material_id": 1703, "fraction": 100}]},
        ],
    }


def _jeans(style: int, variant: int, serial: int) -> dict[str, Any]:
    return {
        **_common(style, variant, serial),
        "category": 122,
        "size": 1405 + variant,
        "second_size": 1455,
        "weight": 650,
        "attributes": [1901],
        "material_composition_textile": [
            {
                "cluster_id": 1601,
                "components": [
                    {"material_id": 1701, "fraction": 98},
                    {"material_id": 1705, "fraction": 2},
                ],
            }
        ],
    }


def _sneaker(style: int, variant: int, serial: int) -> dict[str, Any]:
    return {
        **_common(style, variant, serial),
        "category": 141,
        "size": 1305 + 2 * variant,
        "weight": 700,
        "attributes": [],
        "material_composition_non_textile": [
            {"cluster_id": 1605, "components": [{"material_id": 1701}]},
            {"cluster_id": 1606, "components": [{"material_id": 1703}]},
        ],
    }


MAKERS = (_jacket, _jeans, _sneaker)


def product_batch(number: int, size: int = 100) -> bytes:
    """Batch ``number``: ``size`` new variants, five per style, every item valid."""
    items = []
    for index in range(size):
        serial = number * size + index
        style, variant = divmod(serial, VARIANTS_PER_STYLE)
        items.append(MAKERS[style % len(MAKERS)](style, variant, serial))
    return json.dumps({"items": items}).encode()


def stock_batch(number: int, skus_available: int, size: int = 1000) -> bytes:
    """Batch ``number``: ``size`` stock updates for SKUs created by the product batches."""
    items = []
    for index in range(size):
        serial = (number * size + index) % skus_available
        style, variant = divmod(serial, VARIANTS_PER_STYLE)
        items.append({"sku": f"STY-{style:07d}-{variant}", "quantity": (number + index) % 500})
    return json.dumps({"items": items}).encode()
