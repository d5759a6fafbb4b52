"""The demo catalogue's 5,000-variant sample file: ``examples/demo-5000.jsonl``.

    .venv/bin/python -m examples.demo_sample [--out examples/demo-5000.jsonl]

1,000 styles of five variants each (jackets, jeans and sneakers in turn, by every demo brand),
valid against the demo catalogue, except the items of ``FLAWED``: each breaks one product rule
that the service checks per item, so a push of the file ends with exactly those items not
applied, each with its error. The same file every time: nothing in it is random.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from stdnum import ean as ean_checksum

SAMPLE = Path(__file__).with_name("demo-5000.jsonl")
STYLES = 1000
VARIANTS_PER_STYLE = 5
BRANDS = (1101, 1102, 1103, 1104, 1105)
COLORS = (1001, 1002, 1003, 1004, 1005, 1006)
COUNTRIES = ("DE", "AT", "NL")
ORIGINS = ("PT", "IT", "TR", "BD", "VN")
JACKETS, JEANS, SNEAKERS = 112, 122, 141


def _ean(serial: int) -> str:
    body = f"40{serial + 7_000_000:010d}"  # under GS1 Germany's prefixes (400-440)
    return body + ean_checksum.calc_check_digit(body)


def _common(style: int, variant: int) -> dict[str, Any]:
    base = 39.95 + style % 60
    return {
        "style_key": f"DEMO-{style:04d}",
        "sku": f"DEMO-{style:04d}-{variant}",
        "ean": _ean(style * VARIANTS_PER_STYLE + variant),
        "name": f"Demo model {style}",
        "descriptions": {"en": "A demo catalogue item.", "de": "Ein Artikel des Demokatalogs."},
        "color": COLORS[style % len(COLORS)],
        "brand": BRANDS[style % len(BRANDS)],
        "quantity": (style * 7 + variant) % 25,
        "countries": list(COUNTRIES),
        "country_of_origin": ORIGINS[style % len(ORIGINS)],
        "prices": [
            {"country_code": "DE", "retail_price": round(base, 2)},
            {"country_code": "AT", "retail_price": round(base + 5, 2)},
            {"country_code": "NL", "retail_price": round(base + 5, 2), "sale_price": 29.95},
        ],
        "images": [f"https://img.example.com/demo/{style}/{variant}.jpg"],
    }


def _jacket(style: int, variant: int) -> dict[str, Any]:
    return {
        **_common(style, variant),
        "category": JACKETS,
        "size": 1201 + variant,
        "weight": 900,
        "attributes": [2201 + style % 8],
        "material_composition_textile": [
            {
                "cluster_id": 1601,
                "components": [
                    {"material_id": 1701, "fraction": 60},
                    {"material_id": 1703, "fraction": 40},
                ],
            }
        ],
    }


def _jeans(style: int, variant: int) -> dict[str, Any]:
    return {
        **_common(style, variant),
        "category": JEANS,
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


def _sneaker(style: int, variant: int) -> dict[str, Any]:
    return {
        **_common(style, variant),
        "category": SNEAKERS,
        "size": 1305 + 2 * variant,
        "weight": 700,
        "attributes": [],
        "material_composition_non_textile": [
            {"cluster_id": 1605, "components": [{"material_id": 1701}]},
            {"cluster_id": 1606, "components": [{"material_id": 1703}]},
        ],
    }


MAKERS: tuple[Callable[[int, int], dict[str, Any]], ...] = (_jacket, _jeans, _sneaker)


def _bad_check_digit(item: dict[str, Any]) -> None:
    item["ean"] = item["ean"][:-1] + str((int(item["ean"][-1]) + 1) % 10)


def _sale_above_retail(item: dict[str, Any]) -> None:
    item["prices"][2]["sale_price"] = round(item["prices"][2]["retail_price"] + 10, 2)


def _fractions_not_100(item: dict[str, Any]) -> None:
    item["material_composition_textile"][0]["components"][0]["fraction"] = 50


def _price_missing(item: dict[str, Any]) -> None:
    del item["prices"][1]


def _colour_not_of_category(item: dict[str, Any]) -> None:
    item["color"] = 9999


def _attribute_not_found(item: dict[str, Any]) -> None:
    item["attributes"] = [9999]


def _image_not_url(item: dict[str, Any]) -> None:
    item["images"] = ["demo/front.jpg"]


FLAWED: dict[str, Callable[[dict[str, Any]], None]] = {
    "DEMO-0012-3": _bad_check_digit,
    "DEMO-0150-0": _sale_above_retail,
    "DEMO-0301-2": _fractions_not_100,  # a jeans style (301 % 3 == 1)
    "DEMO-0477-4": _price_missing,
    "DEMO-0640-1": _colour_not_of_category,
    "DEMO-0813-0": _attribute_not_found,
    "DEMO-0999-4": _image_not_url,
}
"""The items that break a rule, by SKU, with how each is broken."""


def items() -> Iterator[dict[str, Any]]:
    """The sample's items, in file order."""
    for style in range(STYLES):
        for variant in range(VARIANTS_PER_STYLE):
            item = MAKERS[style % len(MAKERS)](style, variant)
            flaw = FLAWED.get(item["sku"])
            if flaw is not None:
                flaw(item)
            yield item


def write(path: Path) -> int:
    """Write the sample as JSON lines; the number of items."""
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as file:
        for item in items():
            file.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SAMPLE)
    arguments = parser.parse_args()
    print(f"{write(arguments.out)} items written to {arguments.out}")


if __name__ == "__main__":
    main()
