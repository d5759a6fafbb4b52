"""GS1 company prefixes: which three-digit prefixes a sellable EAN-13 may start with.

Our own table, from GS1's public list of member organisations and reserved ranges. A prefix is
either assigned to a member organisation (valid on a product), or reserved for restricted
circulation, coupons or refund receipts, or not assigned at all (all invalid).
"""

from __future__ import annotations

from enum import StrEnum


class PrefixUse(StrEnum):
    MEMBER = "member organisation"
    RESTRICTED = "restricted circulation"
    COUPON = "coupons"
    REFUND = "refund receipts"
    UNASSIGNED = "unassigned"


# (first, last, use, holder) with inclusive bounds; anything not listed is unassigned.
RANGES: tuple[tuple[int, int, PrefixUse, str], ...] = (
    (0, 19, PrefixUse.MEMBER, "GS1 US"),
    (20, 29, PrefixUse.RESTRICTED, ""),
    (30, 39, PrefixUse.MEMBER, "GS1 US"),
    (40, 49, PrefixUse.RESTRICTED, ""),
    (50, 59, PrefixUse.COUPON, ""),
    (60, 139, PrefixUse.MEMBER, "GS1 US"),
    (200, 299, PrefixUse.RESTRICTED, ""),
    (300, 379, PrefixUse.MEMBER, "GS1 France"),
    (380, 380, PrefixUse.MEMBER, "GS1 Bulgaria"),
    (383, 383, PrefixUse.MEMBER, "GS1 Slovenia"),
    (385, 385, PrefixUse.MEMBER, "GS1 Croatia"),
    (387, 387, PrefixUse.MEMBER, "GS1 Bosnia and Herzegovina"),
    (389, 389, PrefixUse.MEMBER, "GS1 Montenegro"),
    (390, 390, PrefixUse.MEMBER, "GS1 Kosovo"),
    (400, 440, PrefixUse.MEMBER, "GS1 Germany"),
    (450, 459, PrefixUse.MEMBER, "GS1 Japan"),
    (460, 469, PrefixUse.MEMBER, "GS1 Russia"),
    (470, 470, PrefixUse.MEMBER, "GS1 Kyrgyzstan"),
    (471, 471, PrefixUse.MEMBER, "GS1 Taiwan"),
    (474, 474, PrefixUse.MEMBER, "GS1 Estonia"),
    (475, 475, PrefixUse.MEMBER, "GS1 Latvia"),
    (476, 476, PrefixUse.MEMBER, "GS1 Azerbaijan"),
    (477, 477, PrefixUse.MEMBER, "GS1 Lithuania"),
    (478, 478, PrefixUse.MEMBER, "GS1 Uzbekistan"),
    (479, 479, PrefixUse.MEMBER, "GS1 Sri Lanka"),
    (480, 480, PrefixUse.MEMBER, "GS1 Philippines"),
    (481, 481, PrefixUse.MEMBER, "GS1 Belarus"),
    (482, 482, PrefixUse.MEMBER, "GS1 Ukraine"),
    (483, 483, PrefixUse.MEMBER, "GS1 Turkmenistan"),
    (484, 484, PrefixUse.MEMBER, "GS1 Moldova"),
    (485, 485, PrefixUse.MEMBER, "GS1 Armenia"),
    (486, 486, PrefixUse.MEMBER, "GS1 Georgia"),
    (487, 487, PrefixUse.MEMBER, "GS1 Kazakhstan"),
    (488, 488, PrefixUse.MEMBER, "GS1 Tajikistan"),
    (489, 489, PrefixUse.MEMBER, "GS1 Hong Kong"),
    (490, 499, PrefixUse.MEMBER, "GS1 Japan"),
    (500, 509, PrefixUse.MEMBER, "GS1 UK"),
    (520, 521, PrefixUse.MEMBER, "GS1 Greece"),
    (528, 528, PrefixUse.MEMBER, "GS1 Lebanon"),
    (529, 529, PrefixUse.MEMBER, "GS1 Cyprus"),
    (530, 530, PrefixUse.MEMBER, "GS1 Albania"),
    (531, 531, PrefixUse.MEMBER, "GS1 North Macedonia"),
    (535, 535, PrefixUse.MEMBER, "GS1 Malta"),
    (539, 539, PrefixUse.MEMBER, "GS1 Ireland"),
    (540, 549, PrefixUse.MEMBER, "GS1 Belgium & Luxembourg"),
    (560, 560, PrefixUse.MEMBER, "GS1 Portugal"),
    (569, 569, PrefixUse.MEMBER, "GS1 Iceland"),
    (570, 579, PrefixUse.MEMBER, "GS1 Denmark"),
    (590, 590, PrefixUse.MEMBER, "GS1 Poland"),
    (594, 594, PrefixUse.MEMBER, "GS1 Romania"),
    (599, 599, PrefixUse.MEMBER, "GS1 Hungary"),
    (600, 601, PrefixUse.MEMBER, "GS1 South Africa"),
    (603, 604, PrefixUse.MEMBER, "GS1 Ghana, Senegal"),
    (605, 605, PrefixUse.MEMBER, "GS1 Uganda"),
    (606, 606, PrefixUse.MEMBER, "GS1 Angola"),
    (607, 607, PrefixUse.MEMBER, "GS1 Oman"),
    (608, 609, PrefixUse.MEMBER, "GS1 Bahrain, Mauritius"),
    (611, 611, PrefixUse.MEMBER, "GS1 Morocco"),
    (613, 613, PrefixUse.MEMBER, "GS1 Algeria"),
    (615, 631, PrefixUse.MEMBER, "GS1 Africa and Middle East"),
    (640, 649, PrefixUse.MEMBER, "GS1 Finland"),
    (680, 681, PrefixUse.MEMBER, "GS1 China"),
    (690, 699, PrefixUse.MEMBER, "GS1 China"),
    (700, 709, PrefixUse.MEMBER, "GS1 Norway"),
    (729, 729, PrefixUse.MEMBER, "GS1 Israel"),
    (730, 739, PrefixUse.MEMBER, "GS1 Sweden"),
    (740, 746, PrefixUse.MEMBER, "GS1 Central America"),
    (750, 750, PrefixUse.MEMBER, "GS1 Mexico"),
    (754, 755, PrefixUse.MEMBER, "GS1 Canada"),
    (759, 759, PrefixUse.MEMBER, "GS1 Venezuela"),
    (760, 769, PrefixUse.MEMBER, "GS1 Switzerland"),
    (770, 771, PrefixUse.MEMBER, "GS1 Colombia"),
    (773, 773, PrefixUse.MEMBER, "GS1 Uruguay"),
    (775, 775, PrefixUse.MEMBER, "GS1 Peru"),
    (777, 777, PrefixUse.MEMBER, "GS1 Bolivia"),
    (778, 779, PrefixUse.MEMBER, "GS1 Argentina"),
    (780, 780, PrefixUse.MEMBER, "GS1 Chile"),
    (784, 784, PrefixUse.MEMBER, "GS1 Paraguay"),
    (786, 786, PrefixUse.MEMBER, "GS1 Ecuador"),
    (789, 790, PrefixUse.MEMBER, "GS1 Brazil"),
    (800, 839, PrefixUse.MEMBER, "GS1 Italy"),
    (840, 849, PrefixUse.MEMBER, "GS1 Spain"),
    (850, 850, PrefixUse.MEMBER, "GS1 Cuba"),
    (858, 858, PrefixUse.MEMBER, "GS1 Slovakia"),
    (859, 859, PrefixUse.MEMBER, "GS1 Czech Republic"),
    (860, 860, PrefixUse.MEMBER, "GS1 Serbia"),
    (865, 865, PrefixUse.MEMBER, "GS1 Mongolia"),
    (867, 867, PrefixUse.MEMBER, "GS1 North Korea"),
    (868, 869, PrefixUse.MEMBER, "GS1 Türkiye"),
    (870, 879, PrefixUse.MEMBER, "GS1 Netherlands"),
    (880, 880, PrefixUse.MEMBER, "GS1 Korea"),
    (883, 885, PrefixUse.MEMBER, "GS1 Myanmar, Cambodia, Thailand"),
    (888, 888, PrefixUse.MEMBER, "GS1 Singapore"),
    (890, 890, PrefixUse.MEMBER, "GS1 India"),
    (893, 893, PrefixUse.MEMBER, "GS1 Vietnam"),
    (896, 896, PrefixUse.MEMBER, "GS1 Pakistan"),
    (899, 899, PrefixUse.MEMBER, "GS1 Indonesia"),
    (900, 919, PrefixUse.MEMBER, "GS1 Austria"),
    (930, 939, PrefixUse.MEMBER, "GS1 Australia"),
    (940, 949, PrefixUse.MEMBER, "GS1 New Zealand"),
    (950, 951, PrefixUse.MEMBER, "GS1 Global Office"),
    (955, 955, PrefixUse.MEMBER, "GS1 Malaysia"),
    (958, 958, PrefixUse.MEMBER, "GS1 Macau"),
    (960, 969, PrefixUse.MEMBER, "GS1 Global Office"),
    (977, 979, PrefixUse.MEMBER, "ISSN, ISBN and ISMN"),
    (980, 980, PrefixUse.REFUND, ""),
    (981, 984, PrefixUse.COUPON, ""),
    (990, 999, PrefixUse.COUPON, ""),
)


def _table() -> tuple[PrefixUse, ...]:
    uses = [PrefixUse.UNASSIGNED] * 1000
    for first, last, use, _ in RANGES:
        for prefix in range(first, last + 1):
            if uses[prefix] is not PrefixUse.UNASSIGNED:
                raise ValueError(f"GS1 prefix {prefix:03d} is listed twice")
            uses[prefix] = use
    return tuple(uses)


USE_OF_PREFIX = _table()


def prefix_use(ean: str) -> PrefixUse:
    """The use of the GS1 prefix (first three digits) of a 13-digit code."""
    return USE_OF_PREFIX[int(ean[:3])]
