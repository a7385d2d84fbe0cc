"""Measures as shoppers say them ("20 centimètres", "1,5 litros", "160 by 230"), written the way catalogs
write sizes ("20 cm", "1.5 l", "160x230")."""

from __future__ import annotations

import re

# Units shoppers say in words, as catalogs write them (the text is already lower case and without accents).
UNITS = {
    **dict.fromkeys(
        [
            "cm",
            "centimeter",
            "centimeters",
            "centimetre",
            "centimetres",
            "centimetro",
            "centimetros",
            "centimetri",
            "zentimeter",
            "zentimetern",
            "厘米",
            "公分",
            "センチ",
            "センチメートル",
        ],
        "cm",
    ),
    **dict.fromkeys(
        ["mm", "millimeter", "millimeters", "millimetre", "millimetres", "milimetros", "毫米", "ミリ"], "mm"
    ),
    **dict.fromkeys(
        ["m", "meter", "meters", "metre", "metres", "metro", "metros", "metri", "metern", "米", "メートル"], "m"
    ),
    **dict.fromkeys(
        [
            "ml",
            "milliliter",
            "milliliters",
            "millilitre",
            "millilitres",
            "mililitros",
            "millilitri",
            "毫升",
            "ミリリットル",
        ],
        "ml",
    ),
    **dict.fromkeys(["l", "liter", "liters", "litre", "litres", "litro", "litros", "litri", "升", "リットル"], "l"),
    **dict.fromkeys(["gb", "gigabyte", "gigabytes", "giga"], "gb"),
    **dict.fromkeys(["w", "watt", "watts", "瓦"], "w"),
}
MEASURE = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(" + "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True)) + r")(?![a-z])"
)
DIMENSIONS = re.compile(
    r"(\d+)\s*(?:x|by|×|\*|por|par|sur|per|mal|auf|乘)\s*(\d+)"
)  # a transcript longer than this is cut: nobody says more in one turn
