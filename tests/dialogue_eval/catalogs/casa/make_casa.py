"""Writes the "casa" evaluation catalog: products.json, orders.json and policies.json.

A European home, kitchen, small-electronics, garden and travel shop priced in EUR, in the same JSON shape
as catalog/data/demo_*.json. Every name and text is invented for this project. Nothing is random: stock,
prices and ratings are written out below, so the evaluation cases can state them as facts.

Run: python3 tests/dialogue_eval/catalogs/casa/make_casa.py
"""
from __future__ import annotations

import json
import re
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent
CURRENCY = "EUR"

SHIP_STD = "Ships in 1-2 business days from our warehouse in Leipzig, Germany."
SHIP_BULKY = "Bulky item: ships in 3-5 business days from our warehouse in Leipzig, Germany."
RET_STD = "30-day returns on unused items in the original packaging."
RET_TEXTILE = "30-day returns on unwashed items in the original packaging, for hygiene reasons."
RET_TECH = "30-day returns; electronics must be returned with all accessories and the original box."
RET_PERSONAL = "For hygiene reasons, returnable only unopened within 30 days."

# Categories -> the kinds in each; every kind holds 2-4 products with clearly different prices.
# A product: (brand, title, price, compare_at, rating, rating_count, warranty, description, variants)
# variants: {"color": {"Red": stock, ...}}                    one variant per colour, one price
#           {"size": {"24 cm": (price, stock), ...}}          one variant per size
#           {"grid": ([(size, price), ...], [colour, ...], [[stock per colour] per size])}
CATALOG: list[tuple[str, str, str, list[tuple]]] = [
    # ---------------------------------------------------------------- Kitchen
    ("Kitchen", "Electric Kettle", "kettle,electric kettle,tea,hot water,kitchen appliance", [
        ("Nordhaus", "Nordhaus Glass Electric Kettle", "49.99", None, 4.6, 1210, "2-year warranty",
         "A 1.7 litre electric kettle in borosilicate glass with a stainless steel base, a blue LED glow while "
         "it boils, auto shut-off and a removable limescale filter.",
         {"color": {"Black": 14, "White": 6}}),
        ("Vellora", "Vellora Stainless Steel Electric Kettle", "34.99", None, 4.2, 860, "2-year warranty",
         "A brushed stainless steel kettle, 1.5 litres, with a 360-degree base, a soft-open lid and a "
         "water window on both sides.",
         {"color": {"Grey": 20, "Red": 8, "Black": 0}}),
        ("Brisa", "Brisa Compact Electric Kettle", "22.50", None, 3.9, 410, "1-year warranty",
         "A light 1 litre travel kettle in BPA-free plastic with a concealed element and dual voltage.",
         {"color": {"White": 30, "Pink": 5, "Green": 12}}),
    ]),
    ("Kitchen", "Coffee Maker", "coffee maker,coffee machine,espresso,filter coffee,kitchen appliance", [
        ("Caffetto", "Caffetto Espresso Coffee Maker", "189.00", "229.00", 4.7, 980, "3-year warranty",
         "A 15-bar pump espresso machine with a stainless steel body, a steam wand for milk froth and a "
         "1.2 litre removable water tank.",
         {"color": {"Black": 3, "Red": 7, "Beige": 0}}),
        ("Kochwerk", "Kochwerk Filter Coffee Maker", "59.00", None, 4.1, 530, "2-year warranty",
         "A programmable filter coffee maker with a 1.25 litre glass carafe, a keep-warm plate and a "
         "24-hour timer.",
         {"color": {"Black": 18, "White": 4}}),
        ("Nordhaus", "Nordhaus Pour-Over Coffee Maker", "29.90", None, 4.4, 300, "",
         "A hand-glazed ceramic pour-over dripper on a 600 ml borosilicate glass server; no power needed.",
         {"color": {"White": 25, "Grey": 9}}),
    ]),
    ("Kitchen", "Frying Pan", "frying pan,pan,skillet,cookware,non-stick,induction", [
        ("Ferrox", "Ferrox Stainless Steel Frying Pan", "39.00", None, 4.5, 620, "Lifetime warranty",
         "A tri-ply stainless steel frying pan with an aluminium core, oven-safe to 260 degrees and "
         "suitable for induction hobs.",
         {"size": {"24 cm": ("39.00", 10), "28 cm": ("49.00", 0)}}),
        ("Cucina Viva", "Cucina Viva Non-Stick Frying Pan", "19.99", None, 4.0, 1400, "2-year warranty",
         "A forged aluminium frying pan with a PFAS-free ceramic non-stick coating and a soft-touch handle.",
         {"grid": ([("24 cm", "19.99"), ("28 cm", "24.99")], ["Green", "Black"], [[25, 9], [12, 0]])}),
        ("Kochwerk", "Kochwerk Cast Iron Frying Pan", "54.00", None, 4.8, 310, "Lifetime warranty",
         "A pre-seasoned cast iron frying pan, 26 cm, that goes from the hob to the oven and the grill.",
         {"size": {"26 cm": ("54.00", 6)}}),
    ]),
    ("Kitchen", "Knife Set", "knife set,knives,kitchen knives,knife block,chef knife", [
        ("Kochwerk", "Kochwerk Forged Knife Set", "129.00", None, 4.7, 450, "Lifetime warranty",
         "Five forged German stainless steel knives with full tangs in a solid oak block.",
         {"color": {"Black": 8}}),
        ("Ferrox", "Ferrox Ceramic Knife Set", "45.00", None, 4.1, 220, "2-year warranty",
         "Three razor-sharp zirconia ceramic knives that never rust, with blade guards.",
         {"color": {"White": 15, "Black": 0}}),
        ("Cucina Viva", "Cucina Viva Everyday Knife Set", "24.99", None, 4.3, 780, "1-year warranty",
         "Three stainless steel kitchen knives with colour-coded handles and matching sheaths.",
         {"color": {"Red": 10, "Blue": 14, "Yellow": 3}}),
    ]),
    ("Kitchen", "Toaster", "toaster,bread,breakfast,toast,kitchen appliance", [
        ("Nordhaus", "Nordhaus 2-Slice Toaster", "39.99", None, 4.3, 690, "2-year warranty",
         "A brushed stainless steel 2-slice toaster with wide slots, seven browning levels and a bun warmer.",
         {"color": {"Black": 12, "White": 9, "Grey": 0}}),
        ("Brisa", "Brisa Retro Toaster", "54.90", None, 4.5, 370, "2-year warranty",
         "A retro 2-slice toaster in enamelled steel with chrome details, a defrost setting and a crumb tray.",
         {"color": {"Red": 6, "Beige": 11, "Blue": 0}}),
        ("Vellora", "Vellora Long Slot Toaster", "69.00", None, 4.0, 150, "2-year warranty",
         "A 4-slice long slot toaster in stainless steel for artisan bread, with a lift-and-look lever.",
         {"color": {"Black": 0, "Grey": 0}}),
    ]),
    ("Kitchen", "Blender", "blender,smoothie,mixer,kitchen appliance", [
        ("Vellora", "Vellora Power Blender", "89.00", None, 4.4, 520, "3-year warranty",
         "A 1200 W blender with a 1.75 litre glass jug, stainless steel blades and a pulse setting for ice.",
         {"color": {"Black": 7, "Grey": 2}}),
        ("Brisa", "Brisa Personal Blender", "29.99", None, 4.0, 940, "2-year warranty",
         "A 600 W personal blender that blends straight into two BPA-free to-go bottles.",
         {"color": {"Green": 20, "Pink": 8, "White": 0}}),
    ]),
    ("Kitchen", "Mug Set", "mugs,mug set,cups,coffee mugs,tea cups", [
        ("Alfara", "Alfara Ceramic Mug Set", "27.00", None, 4.8, 260, "",
         "Four hand-glazed stoneware mugs, 350 ml each, dishwasher and microwave safe.",
         {"color": {"Blue": 9, "Green": 0, "Beige": 14}}),
        ("Nordhaus", "Nordhaus Glass Mug Set", "19.50", None, 4.2, 330, "",
         "Two double-wall borosilicate glass mugs, 300 ml, that keep drinks hot and hands cool.",
         {"color": {"Clear": 30}}),
    ]),
    ("Kitchen", "Saucepan Set", "saucepan,saucepans,pots,cookware set,induction", [
        ("Ferrox", "Ferrox Stainless Steel Saucepan Set", "119.00", "149.00", 4.6, 410, "Lifetime warranty",
         "Three stainless steel saucepans (16, 18 and 20 cm) with glass lids, for all hobs including induction.",
         {"size": {"3-piece": ("119.00", 5)}}),
        ("Cucina Viva", "Cucina Viva Enamel Saucepan Set", "79.00", None, 4.2, 190, "2-year warranty",
         "Two enamelled steel saucepans with stay-cool handles, in bright glossy colours.",
         {"color": {"Red": 0, "Blue": 4, "Yellow": 0}}),
    ]),
    ("Kitchen", "Cutting Board", "cutting board,chopping board,wooden board,kitchen", [
        ("Alfara", "Alfara Olive Wood Cutting Board", "34.00", None, 4.6, 140, "",
         "A cutting board carved from a single piece of Italian olive wood, 40 by 25 cm.",
         {"size": {"40 cm": ("34.00", 7)}}),
        ("Kochwerk", "Kochwerk Bamboo Cutting Board", "14.99", None, 4.1, 610, "",
         "A sturdy bamboo cutting board with a juice groove and non-slip feet.",
         {"size": {"38 cm": ("14.99", 40)}}),
    ]),
    ("Kitchen", "Water Bottle", "water bottle,bottle,flask,insulated,reusable", [
        ("Nordhaus", "Nordhaus Insulated Water Bottle", "24.00", None, 4.7, 880, "",
         "A 750 ml double-wall stainless steel bottle that keeps drinks cold for 24 hours or hot for 12.",
         {"color": {"Black": 16, "Green": 7, "Pink": 0, "Navy": 11}}),
        ("Brisa", "Brisa Glass Water Bottle", "14.50", None, 4.1, 240, "",
         "A 500 ml borosilicate glass bottle with a silicone sleeve and a bamboo lid.",
         {"color": {"Blue": 12, "Grey": 5}}),
    ]),
    # ---------------------------------------------------------------- Bed & Bath
    ("Bed & Bath", "Bed Sheets", "sheets,bed sheets,fitted sheet,bedding,bed linen", [
        ("Linnea", "Linnea Cotton Percale Bed Sheets", "39.00", None, 4.6, 1050, "",
         "A crisp 100% organic cotton percale sheet set: fitted sheet, flat sheet and pillowcases.",
         {"grid": ([("Single", "39.00"), ("Double", "49.00"), ("King", "59.00")], ["White", "Grey", "Navy"],
                   [[12, 8, 5], [20, 14, 9], [7, 3, 0]])}),
        ("Hjem", "Hjem Linen Bed Sheets", "69.00", None, 4.4, 380, "",
         "A stonewashed French linen sheet set that gets softer with every wash.",
         {"grid": ([("Single", "69.00"), ("Double", "85.00"), ("King", "99.00")], ["Beige", "White", "Green"],
                   [[4, 6, 0], [9, 5, 3], [2, 0, 6]])}),
        ("Solenne", "Solenne Jersey Bed Sheets", "19.99", None, 3.8, 720, "",
         "A stretchy cotton jersey sheet set, soft like a T-shirt, with deep-pocket fitted sheets.",
         {"grid": ([("Single", "19.99"), ("Double", "24.99"), ("King", "29.99")], ["Pink", "Blue", "Grey"],
                   [[15, 10, 8], [6, 0, 12], [0, 4, 5]])}),
    ]),
    ("Bed & Bath", "Bath Towels", "towels,bath towel,towel set,bathroom,hand towel", [
        ("Linnea", "Linnea Egyptian Cotton Towel Set", "44.00", None, 4.7, 640, "",
         "Two bath towels and two hand towels in thick 600 gsm Egyptian cotton.",
         {"color": {"White": 20, "Grey": 8, "Navy": 0}}),
        ("Maison Sable", "Maison Sable Turkish Cotton Bath Towel", "18.50", None, 4.3, 450, "",
         "A light, fast-drying Turkish cotton bath towel with tassels, also good for the beach.",
         {"color": {"Beige": 16, "Pink": 9, "Green": 3, "Yellow": 0}}),
        ("Solenne", "Solenne Quick-Dry Bath Towel", "12.90", None, 3.9, 300, "",
         "A microfibre bath towel that dries in half the time of cotton and packs small.",
         {"color": {"Blue": 30, "Red": 12, "Grey": 7}}),
    ]),
    ("Bed & Bath", "Duvet", "duvet,comforter,quilt,bedding,winter", [
        ("Hjem", "Hjem Down Duvet", "129.00", None, 4.8, 290, "",
         "A warm duck down duvet in a cotton cambric cover, for cold winter nights.",
         {"size": {"Single": ("129.00", 5), "Double": ("169.00", 3), "King": ("199.00", 0)}}),
        ("Linnea", "Linnea All-Season Duvet", "59.00", None, 4.2, 510, "",
         "A hypoallergenic hollowfibre duvet with a cotton cover, machine washable at 60 degrees.",
         {"size": {"Single": ("59.00", 11), "Double": ("79.00", 16), "King": ("95.00", 7)}}),
    ]),
    ("Bed & Bath", "Bath Mat", "bath mat,bathroom,shower mat,non-slip", [
        ("Linnea", "Linnea Cotton Bath Mat", "19.00", None, 4.4, 210, "",
         "A tufted 100% cotton bath mat with a non-slip backing, 50 by 80 cm.",
         {"color": {"White": 9, "Grey": 4, "Green": 6}}),
        ("Solenne", "Solenne Memory Foam Bath Mat", "14.50", None, 4.0, 390, "",
         "A soft memory foam bath mat covered in velvety microfibre.",
         {"color": {"Purple": 7, "Grey": 0, "Blue": 10}}),
    ]),
    ("Bed & Bath", "Throw Blanket", "throw,blanket,sofa blanket,cosy,living room", [
        ("Hjem", "Hjem Wool Throw Blanket", "79.00", None, 4.7, 170, "",
         "A woven throw in pure Scandinavian lambswool, 130 by 180 cm.",
         {"color": {"Grey": 6, "Beige": 3, "Navy": 2}}),
        ("Maison Sable", "Maison Sable Cotton Throw Blanket", "39.00", None, 4.3, 220, "",
         "A soft waffle-weave cotton throw for the sofa or the foot of the bed.",
         {"color": {"Beige": 12, "Pink": 0, "White": 8}}),
        ("Solenne", "Solenne Fleece Throw Blanket", "19.99", None, 4.0, 640, "",
         "A cosy polyester fleece throw that is machine washable.",
         {"color": {"Red": 15, "Grey": 20, "Yellow": 4}}),
    ]),
    # ---------------------------------------------------------------- Home & Living
    ("Home & Living", "Desk Lamp", "desk lamp,lamp,lighting,office,reading light,led", [
        ("Lumio", "Lumio LED Desk Lamp", "34.99", None, 4.5, 980, "2-year warranty",
         "A dimmable LED desk lamp with an aluminium arm, five colour temperatures and a USB-C charging port.",
         {"color": {"Black": 15, "White": 10, "Grey": 0}}),
        ("Klarvik", "Klarvik Architect Desk Lamp", "59.00", None, 4.2, 260, "2-year warranty",
         "A classic swing-arm architect lamp in powder-coated steel with a weighted base.",
         {"color": {"Black": 5, "Yellow": 6, "Green": 4}}),
        ("Teravia", "Teravia Ceramic Desk Lamp", "79.00", None, 4.8, 140, "2-year warranty",
         "A hand-thrown ceramic lamp base with a natural linen shade and a warm LED bulb included.",
         {"color": {"Beige": 3, "Blue": 0}}),
    ]),
    ("Home & Living", "Rug", "rug,carpet,area rug,living room,floor", [
        ("Teravia", "Teravia Wool Rug", "149.00", None, 4.6, 330, "",
         "A hand-tufted New Zealand wool rug with a soft, dense pile.",
         {"grid": ([("120x170 cm", "149.00"), ("160x230 cm", "249.00"), ("200x300 cm", "399.00")],
                   ["Beige", "Grey"], [[4, 6], [3, 0], [1, 2]])}),
        ("Klarvik", "Klarvik Flatweave Cotton Rug", "59.00", None, 4.1, 410, "",
         "A reversible flatweave rug in recycled cotton that is light enough for the washing machine.",
         {"grid": ([("120x170 cm", "59.00"), ("160x230 cm", "99.00")], ["Blue", "Grey", "Yellow"],
                   [[8, 10, 5], [0, 7, 2]])}),
        ("Hjem", "Hjem Jute Rug", "79.00", None, 4.3, 260, "",
         "A hand-braided natural jute rug with a chunky texture.",
         {"grid": ([("120x170 cm", "79.00"), ("160x230 cm", "129.00"), ("200x300 cm", "199.00")], ["Beige"],
                   [[9], [5], [0]])}),
    ]),
    ("Home & Living", "Vacuum Cleaner", "vacuum,vacuum cleaner,hoover,cleaning,floor", [
        ("Aspira", "Aspira Cordless Vacuum Cleaner", "249.00", "299.00", 4.5, 1320, "2-year warranty",
         "A cordless stick vacuum with up to 40 minutes of battery, a HEPA filter and a motorised floor head.",
         {"color": {"Grey": 9, "Blue": 4}}),
        ("Aspira", "Aspira Robot Vacuum Cleaner", "329.00", None, 4.1, 480, "2-year warranty",
         "A robot vacuum with laser mapping, app control and a self-charging dock.",
         {"color": {"Black": 0, "White": 0}}),
        ("Kraftvoll", "Kraftvoll Bagless Vacuum Cleaner", "119.00", None, 4.3, 750, "5-year warranty",
         "A corded 800 W bagless cylinder vacuum with a washable HEPA filter and an 8 metre cable.",
         {"color": {"Red": 11, "Black": 6}}),
    ]),
    ("Home & Living", "Umbrella", "umbrella,rain,windproof,travel umbrella", [
        ("Regenfeld", "Regenfeld Compact Umbrella", "24.00", None, 4.6, 870, "2-year warranty",
         "A windproof folding umbrella with a fibreglass frame, automatic open and close, and a Teflon canopy.",
         {"color": {"Black": 25, "Navy": 10, "Red": 0, "Yellow": 6}}),
        ("Skyfold", "Skyfold Travel Umbrella", "12.99", None, 3.8, 520, "",
         "An ultralight pocket umbrella that weighs just 180 grams.",
         {"color": {"Black": 40, "Pink": 12, "Green": 0}}),
        ("Regenfeld", "Regenfeld Golf Umbrella", "39.00", None, 4.4, 210, "2-year warranty",
         "A large 130 cm double-canopy golf umbrella with a carbon shaft and a rubber grip.",
         {"color": {"Blue": 5, "White": 0}}),
    ]),
    # ---------------------------------------------------------------- Electronics
    ("Electronics", "Headphones", "headphones,over-ear,on-ear,wireless,bluetooth,audio", [
        ("Soundora", "Soundora Wireless Headphones", "149.00", "179.00", 4.6, 1580, "2-year warranty",
         "Over-ear Bluetooth headphones with active noise cancelling, 35 hours of battery and memory foam "
         "ear cushions.",
         {"color": {"Black": 12, "White": 3, "Blue": 0}}),
        ("Klangwerk", "Klangwerk Studio Headphones", "89.00", None, 4.4, 430, "2-year warranty",
         "Closed-back wired studio headphones with 45 mm drivers, velour pads and a detachable cable.",
         {"color": {"Black": 7}}),
        ("Voltaro", "Voltaro Kids Headphones", "24.99", None, 4.0, 650, "1-year warranty",
         "On-ear wireless headphones for children, volume limited to 85 dB, with a soft headband.",
         {"color": {"Pink": 9, "Blue": 14, "Green": 0, "Yellow": 5}}),
    ]),
    ("Electronics", "Wireless Earbuds", "earbuds,wireless earbuds,in-ear,bluetooth,audio", [
        ("Soundora", "Soundora Sport Earbuds", "69.00", None, 4.2, 890, "2-year warranty",
         "Sweat-proof IPX5 sport earbuds with ear hooks and 8 hours of battery, 30 with the case.",
         {"color": {"Black": 20, "Grey": 6, "Red": 2}}),
        ("Voltaro", "Voltaro True Wireless Earbuds", "39.99", None, 4.1, 1100, "1-year warranty",
         "Compact true wireless earbuds with touch controls and a USB-C charging case.",
         {"color": {"White": 15, "Black": 0}}),
    ]),
    ("Electronics", "Phone Charger", "charger,phone charger,usb-c,fast charger,wall charger,adapter", [
        ("Voltaro", "Voltaro 20W USB-C Phone Charger", "14.99", None, 4.5, 2300, "2-year warranty",
         "A compact 20 W USB-C wall charger for phones and earbuds, with a European plug.",
         {"color": {"White": 50, "Black": 22}}),
        ("Ampello", "Ampello 65W GaN Phone Charger", "39.99", None, 4.7, 780, "3-year warranty",
         "A 65 W gallium nitride charger with two USB-C ports and one USB-A port that also charges laptops.",
         {"color": {"Black": 9, "White": 0}}),
        ("Ampello", "Ampello Wireless Phone Charger", "29.00", None, 4.0, 340, "2-year warranty",
         "A 15 W Qi2 magnetic wireless charging pad with an aluminium frame.",
         {"color": {"Black": 0, "White": 0}}),
    ]),
    ("Electronics", "Bluetooth Speaker", "speaker,bluetooth speaker,portable speaker,waterproof,audio", [
        ("Soundora", "Soundora Mini Bluetooth Speaker", "35.00", None, 4.3, 1020, "2-year warranty",
         "A waterproof IP67 mini speaker with 12 hours of playtime and a fabric strap.",
         {"color": {"Blue": 10, "Red": 4, "Black": 18, "Green": 0}}),
        ("Klangwerk", "Klangwerk Home Bluetooth Speaker", "129.00", None, 4.7, 360, "2-year warranty",
         "A stereo home speaker in a walnut wood cabinet with a woven fabric front.",
         {"color": {"Black": 3, "White": 5}}),
    ]),
    ("Electronics", "Power Bank", "power bank,portable charger,battery pack,travel", [
        ("Voltaro", "Voltaro 10000 mAh Power Bank", "24.99", None, 4.4, 1450, "2-year warranty",
         "A slim 10,000 mAh power bank with USB-C in and out, about two phone charges.",
         {"color": {"Black": 30, "Blue": 6}}),
        ("Ampello", "Ampello 20000 mAh Power Bank", "44.00", None, 4.6, 620, "3-year warranty",
         "A 20,000 mAh power bank with 45 W USB-C output, enough to top up a laptop.",
         {"color": {"Grey": 8}}),
    ]),
    ("Electronics", "Electric Toothbrush", "toothbrush,electric toothbrush,oral care,bathroom", [
        ("Dentalis", "Dentalis Sonic Electric Toothbrush", "49.00", None, 4.5, 760, "2-year warranty",
         "A sonic toothbrush with three modes, a pressure sensor and a travel case; battery lasts 4 weeks.",
         {"color": {"White": 13, "Pink": 7, "Black": 2}}),
        ("Dentalis", "Dentalis Kids Electric Toothbrush", "19.99", None, 4.2, 310, "1-year warranty",
         "A gentle electric toothbrush for children with a two-minute timer and soft bristles.",
         {"color": {"Blue": 9, "Pink": 0, "Green": 11}}),
    ]),
    ("Electronics", "Hair Dryer", "hair dryer,hairdryer,blow dryer,hair care", [
        ("Ventura", "Ventura Ionic Hair Dryer", "59.90", None, 4.4, 540, "2-year warranty",
         "A 2200 W ionic hair dryer with a ceramic grille, three heat settings and a cool shot.",
         {"color": {"Black": 8, "Pink": 5}}),
        ("Ventura", "Ventura Travel Hair Dryer", "24.90", None, 3.9, 280, "2-year warranty",
         "A foldable 1200 W travel hair dryer with dual voltage.",
         {"color": {"White": 12}}),
    ]),
    ("Electronics", "Alarm Clock", "alarm clock,clock,bedside,wake-up light", [
        ("Lumio", "Lumio Sunrise Alarm Clock", "69.00", None, 4.6, 390, "2-year warranty",
         "A wake-up light that brightens like a sunrise over 30 minutes, with FM radio and nature sounds.",
         {"color": {"White": 10}}),
        ("Voltaro", "Voltaro Digital Alarm Clock", "15.99", None, 4.0, 510, "1-year warranty",
         "A digital alarm clock with a dimmable display and a USB charging port.",
         {"color": {"Black": 22, "White": 0}}),
    ]),
    ("Electronics", "Fan", "fan,desk fan,tower fan,cooling,summer", [
        ("Ventura", "Ventura Tower Fan", "79.00", None, 4.3, 450, "2-year warranty",
         "A quiet 105 cm tower fan with oscillation, a remote control and a sleep timer.",
         {"color": {"White": 6, "Black": 0}}),
        ("Ventura", "Ventura Desk Fan", "29.99", None, 4.1, 330, "2-year warranty",
         "A compact 25 cm desk fan with three speeds and a metal grille.",
         {"color": {"White": 14, "Blue": 3}}),
    ]),
    # ---------------------------------------------------------------- Garden
    ("Garden", "Garden Hose", "hose,garden hose,watering,garden", [
        ("Verdeo", "Verdeo Expandable Garden Hose", "29.99", None, 3.9, 870, "",
         "A lightweight expandable hose in latex with a fabric cover, with a 9-pattern spray nozzle.",
         {"size": {"15 m": ("29.99", 14), "30 m": ("44.99", 0)}}),
        ("Jardino", "Jardino Reinforced Garden Hose", "39.00", None, 4.5, 410, "10-year warranty",
         "A five-layer PVC garden hose with a kink-resistant braided core and brass fittings.",
         {"size": {"25 m": ("39.00", 10), "50 m": ("69.00", 4)}}),
        ("Hortus", "Hortus Garden Hose Reel", "89.00", None, 4.3, 150, "5-year warranty",
         "A wall-mounted auto-rewind hose reel with 20 m of hose included.",
         {"size": {"20 m": ("89.00", 3)}}),
    ]),
    ("Garden", "Plant Pot", "plant pot,planter,flower pot,pot,indoor plants,garden", [
        ("Terrina", "Terrina Terracotta Plant Pot", "9.50", None, 4.5, 520, "",
         "A classic frost-resistant terracotta plant pot with a drainage hole and a saucer.",
         {"size": {"20 cm": ("9.50", 30), "30 cm": ("16.00", 12), "40 cm": ("27.00", 0)}}),
        ("Alfara", "Alfara Glazed Ceramic Plant Pot", "14.00", None, 4.7, 330, "",
         "A hand-glazed ceramic indoor plant pot with a reactive glaze finish.",
         {"grid": ([("15 cm", "14.00"), ("25 cm", "24.00")], ["White", "Blue", "Green", "Pink"],
                   [[10, 6, 0, 4], [5, 0, 3, 2]])}),
        ("Greenfold", "Greenfold Self-Watering Plant Pot", "12.99", None, 4.0, 280, "",
         "A self-watering plant pot in recycled plastic with a water level indicator.",
         {"grid": ([("20 cm", "12.99"), ("30 cm", "18.99")], ["Grey", "White", "Black"],
                   [[11, 7, 0], [6, 0, 4]])}),
    ]),
    ("Garden", "Pruning Shears", "pruning shears,secateurs,garden scissors,pruner,garden tools", [
        ("Hortus", "Hortus Bypass Pruning Shears", "27.50", None, 4.7, 600, "Lifetime warranty",
         "Bypass secateurs with Japanese carbon steel blades and forged aluminium handles.",
         {"color": {"Red": 12}}),
        ("Greenfold", "Greenfold Ratchet Pruning Shears", "16.99", None, 4.1, 240, "2-year warranty",
         "Ratchet secateurs that cut thick branches in easy steps, for weaker hands.",
         {"color": {"Green": 8, "Yellow": 0}}),
    ]),
    ("Garden", "Watering Can", "watering can,watering,garden,plants", [
        ("Terrina", "Terrina Metal Watering Can", "32.00", None, 4.6, 190, "",
         "A 5 litre galvanised steel watering can with a brass rose.",
         {"color": {"Grey": 6, "Green": 2}}),
        ("Greenfold", "Greenfold Plastic Watering Can", "8.99", None, 4.0, 450, "",
         "A 10 litre watering can in recycled plastic with a detachable rose.",
         {"color": {"Green": 25, "Blue": 13, "Red": 0}}),
    ]),
    ("Garden", "Garden Chair", "garden chair,outdoor chair,patio,folding chair,garden furniture", [
        ("Jardino", "Jardino Folding Garden Chair", "45.00", None, 4.2, 230, "2-year warranty",
         "A folding bistro chair in powder-coated steel with acacia wood slats.",
         {"color": {"Green": 7, "Grey": 0, "White": 4}}),
        ("Terrina", "Terrina Teak Garden Chair", "159.00", None, 4.8, 90, "5-year warranty",
         "A solid FSC-certified teak garden armchair that weathers to a silver grey.",
         {"color": {"Brown": 2}}),
    ]),
    ("Garden", "Garden Gloves", "gloves,garden gloves,gardening,work gloves", [
        ("Hortus", "Hortus Leather Garden Gloves", "14.00", None, 4.5, 310, "",
         "Goatskin leather garden gloves with cotton cuffs, tough enough for roses.",
         {"size": {"S": ("14.00", 6), "M": ("14.00", 12), "L": ("14.00", 0)}}),
        ("Greenfold", "Greenfold Bamboo Garden Gloves", "6.99", None, 4.0, 420, "",
         "Breathable bamboo fibre gloves with a latex-coated palm.",
         {"size": {"S": ("6.99", 20), "M": ("6.99", 25), "L": ("6.99", 9)}}),
    ]),
    ("Garden", "Solar Lights", "solar lights,garden lights,outdoor lighting,string lights", [
        ("Verdeo", "Verdeo Solar Path Lights", "24.99", None, 4.1, 380, "1-year warranty",
         "A pack of six stainless steel solar path lights that switch on at dusk.",
         {"color": {"Black": 10, "Grey": 5}}),
        ("Jardino", "Jardino Solar String Lights", "19.99", None, 4.4, 560, "1-year warranty",
         "Ten metres of warm white solar string lights with 100 LEDs and eight modes.",
         {"color": {"White": 18}}),
    ]),
    # ---------------------------------------------------------------- Bags & Travel
    ("Bags & Travel", "Backpack", "backpack,rucksack,bag,laptop backpack,school bag,daypack", [
        ("Wanderwell", "Wanderwell Laptop Backpack", "69.00", None, 4.5, 940, "",
         "A laptop backpack in recycled polyester with a padded 15.6-inch sleeve and a luggage strap.",
         {"color": {"Black": 14, "Grey": 6, "Navy": 0}}),
        ("Trekka", "Trekka Hiking Backpack", "79.00", None, 4.6, 370, "",
         "A ventilated hiking backpack with a hip belt, a rain cover and a hydration sleeve.",
         {"grid": ([("28 L", "79.00"), ("40 L", "99.00")], ["Green", "Red", "Black"], [[6, 3, 8], [4, 0, 2]])}),
        ("Wanderwell", "Wanderwell Roll-Top Backpack", "49.00", None, 4.2, 300, "",
         "A waterproof roll-top backpack in coated tarpaulin, 22 litres.",
         {"color": {"Yellow": 8, "Black": 0, "Blue": 11}}),
        ("Skyfold", "Skyfold Kids Backpack", "22.00", None, 4.0, 190, "",
         "A light school backpack for children in water-repellent nylon with reflective strips.",
         {"color": {"Pink": 12, "Blue": 9, "Green": 5}}),
    ]),
    ("Bags & Travel", "Suitcase", "suitcase,luggage,trolley,carry-on,travel", [
        ("Trekka", "Trekka Hardshell Suitcase", "89.00", None, 4.4, 680, "",
         "A polycarbonate hardshell suitcase with four spinner wheels and a TSA lock.",
         {"grid": ([("Cabin", "89.00"), ("Medium", "119.00"), ("Large", "139.00")], ["Black", "Navy", "Red"],
                   [[10, 6, 4], [5, 0, 3], [2, 4, 0]])}),
        ("Wanderwell", "Wanderwell Soft Suitcase", "69.00", None, 4.0, 240, "",
         "A soft-sided polyester suitcase with an expandable zip and two wheels.",
         {"grid": ([("Cabin", "69.00"), ("Large", "99.00")], ["Grey", "Blue"], [[7, 5], [0, 3]])}),
    ]),
]

def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def sku_part(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def variants_for(code: str, spec: dict, base_price: str) -> list[dict]:
    out: list[dict] = []
    if "color" in spec:
        for color, stock in spec["color"].items():
            out.append({"sku": f"{code}-{sku_part(color)}", "options": {"color": color}, "price": base_price,
                        "stock": stock})
    elif "size" in spec:
        for size, (price, stock) in spec["size"].items():
            out.append({"sku": f"{code}-{sku_part(size)}", "options": {"size": size}, "price": price,
                        "stock": stock})
    else:
        sizes, colors, stocks = spec["grid"]
        for (size, price), row in zip(sizes, stocks, strict=True):
            for color, stock in zip(colors, row, strict=True):
                out.append({"sku": f"{code}-{sku_part(size)}-{sku_part(color)}",
                            "options": {"size": size, "color": color}, "price": price, "stock": stock})
    return out


def products() -> list[dict]:
    out: list[dict] = []
    n = 0
    for category, kind, tags, items in CATALOG:
        for brand, title, price, compare_at, rating, rating_count, warranty, description, spec in items:
            n += 1
            code = "".join(w[0] for w in re.findall(r"[A-Za-z0-9]+", title)).upper() + f"{n:03d}"
            bulky = kind in ("Rug", "Garden Chair", "Suitcase", "Vacuum Cleaner", "Duvet")
            if kind == "Electric Toothbrush":
                ret = RET_PERSONAL
            elif category == "Electronics" or kind in ("Electric Kettle", "Coffee Maker", "Toaster", "Blender"):
                ret = RET_TECH
            elif category == "Bed & Bath":
                ret = RET_TEXTILE
            else:
                ret = RET_STD
            out.append({
                "id": slug(title),
                "title": title,
                "brand": brand,
                "category": category,
                "description": description,
                "tags": tags.split(","),
                "currency": CURRENCY,
                "compare_at_price": compare_at,
                "rating": rating,
                "rating_count": rating_count,
                "shipping_info": SHIP_BULKY if bulky else SHIP_STD,
                "warranty": warranty,
                "return_policy": ret,
                "variants": variants_for(code, spec, price),
            })
    ids = [p["id"] for p in out]
    assert len(ids) == len(set(ids)), "duplicate product id"
    return out


def _item(by_id: dict[str, dict], pid: str, options: dict[str, str], qty: int = 1) -> dict:
    product = by_id[pid]
    variant = next(v for v in product["variants"] if v["options"] == options)
    label = ", ".join(options.values())
    return {"product_id": pid, "sku": variant["sku"], "title": f"{product['title']} ({label})",
            "quantity": qty, "unit_price": variant["price"]}


def orders(by_id: dict[str, dict]) -> list[dict]:
    # (id, status, country, carrier, tracking, estimated_delivery, placed_at, items)
    spec = [
        ("C2001", "delivered", "DE", "DHL", "00340434161094012345", "2025-06-05", "2025-06-02T10:15:00",
         [("nordhaus-glass-electric-kettle", {"color": "Black"}, 1)]),
        ("C2003", "in_transit", "FR", "Colissimo", "6A12345678901", "2025-06-19", "2025-06-13T18:22:00",
         [("soundora-wireless-headphones", {"color": "Black"}, 1)]),
        ("C2007", "out_for_delivery", "ES", "SEUR", "ES2025061700451", "2025-06-17", "2025-06-12T09:05:00",
         [("linnea-cotton-percale-bed-sheets", {"size": "Double", "color": "White"}, 2)]),
        ("C2010", "shipped", "IT", "BRT", "BRT0456612398", "2025-06-21", "2025-06-16T20:41:00",
         [("caffetto-espresso-coffee-maker", {"color": "Red"}, 1)]),
        ("C2014", "processing", "NL", "", "", "2025-06-24", "2025-06-18T07:58:00",
         [("teravia-wool-rug", {"size": "160x230 cm", "color": "Beige"}, 1)]),
        ("C2018", "pending", "PT", "", "", None, "2025-06-18T22:10:00",
         [("trekka-hardshell-suitcase", {"size": "Cabin", "color": "Navy"}, 1),
          ("regenfeld-compact-umbrella", {"color": "Yellow"}, 1)]),
        ("C2022", "delayed", "GB", "Royal Mail", "RM482910374GB", "2025-06-26", "2025-06-09T13:30:00",
         [("aspira-cordless-vacuum-cleaner", {"color": "Grey"}, 1)]),
        ("C2025", "cancelled", "DE", "", "", None, "2025-06-11T16:45:00",
         [("vellora-power-blender", {"color": "Black"}, 1)]),
        ("C2031", "returned", "FR", "Colissimo", "6A98765432109", "2025-05-28", "2025-05-20T11:11:00",
         [("hjem-linen-bed-sheets", {"size": "King", "color": "Beige"}, 1)]),
        ("C2036", "refunded", "ES", "Correos Express", "CE7711223344", "2025-05-22", "2025-05-16T08:30:00",
         [("ventura-ionic-hair-dryer", {"color": "Pink"}, 1)]),
        ("C2040", "in_transit", "US", "UPS", "1Z999AA10123456784", "2025-06-27", "2025-06-15T15:00:00",
         [("kochwerk-forged-knife-set", {"color": "Black"}, 1),
          ("alfara-olive-wood-cutting-board", {"size": "40 cm"}, 1)]),
        ("C2044", "delivered", "NL", "PostNL", "3SCASA0012345678", "2025-06-10", "2025-06-06T12:00:00",
         [("terrina-terracotta-plant-pot", {"size": "30 cm"}, 3),
          ("hortus-bypass-pruning-shears", {"color": "Red"}, 1)]),
    ]
    out = []
    for oid, status, country, carrier, tracking, eta, placed, items in spec:
        lines = [_item(by_id, pid, opts, qty) for pid, opts, qty in items]
        total = sum(float(line["unit_price"]) * line["quantity"] for line in lines)
        out.append({"id": oid, "status": status, "destination_country": country, "carrier": carrier,
                    "tracking_number": tracking, "estimated_delivery": eta, "placed_at": placed,
                    "currency": CURRENCY, "total": f"{total:.2f}", "items": lines})
    return out


def policies() -> list[dict]:
    def ship(country: str, name: str, carrier: str, fee: str, free_over: str, dmin: int, dmax: int,
             extra: str = "") -> dict:
        text = (f"{carrier} delivers to {name} in {dmin} to {dmax} business days for €{fee}; shipping is "
                f"free on orders of €{free_over.removesuffix('.00')} or more.{(' ' + extra) if extra else ''}")
        return {"topic": "shipping", "country": country, "title": f"Shipping to {name}", "text": text,
                "fee": fee, "free_over": free_over, "days_min": dmin, "days_max": dmax, "currency": CURRENCY}

    return [
        ship("DE", "Germany", "DHL", "3.95", "39.00", 1, 2, "Bulky items are delivered by DHL freight."),
        ship("FR", "France", "Colissimo", "5.95", "59.00", 2, 4),
        ship("ES", "Spain", "SEUR", "6.95", "69.00", 3, 5, "Canary Islands, Ceuta and Melilla are not served."),
        ship("IT", "Italy", "BRT", "6.95", "69.00", 3, 5),
        ship("PT", "Portugal", "CTT", "7.95", "79.00", 4, 6),
        ship("NL", "the Netherlands", "PostNL", "4.95", "49.00", 2, 3),
        ship("GB", "the United Kingdom", "Royal Mail", "9.95", "99.00", 4, 7,
             "UK VAT and customs duties are paid at checkout, so there is nothing to pay on delivery."),
        {"topic": "shipping", "country": "*", "title": "International shipping",
         "text": "We ship worldwide with UPS. Delivery takes 6 to 12 business days and costs €19.95, free on "
                 "orders of €149 or more. Import duties and taxes may be collected by the carrier on delivery.",
         "fee": "19.95", "free_over": "149.00", "days_min": 6, "days_max": 12, "currency": CURRENCY},
        {"topic": "returns", "country": "*", "title": "Returns and refunds",
         "text": "You can return any item within 30 days of delivery for a full refund. A prepaid return label "
                 "costs €4.95, deducted from the refund; refunds reach your account within 5 business days of "
                 "the return arriving. Opened toothbrushes cannot be returned for hygiene reasons.",
         "fee": "4.95", "days_max": 30, "currency": CURRENCY},
        {"topic": "returns", "country": "DE", "title": "Returns from Germany",
         "text": "Returns from Germany are free within 30 days of delivery: print the DHL label from your order "
                 "page or drop the parcel at any DHL Packstation.",
         "fee": "0.00", "days_max": 30, "currency": CURRENCY},
        {"topic": "returns", "country": "GB", "title": "Returns from the United Kingdom",
         "text": "You can return items from the UK within 14 days of delivery. A prepaid Royal Mail label costs "
                 "€7.95, deducted from the refund.",
         "fee": "7.95", "days_max": 14, "currency": CURRENCY},
        {"topic": "payment", "country": "*", "title": "Payment methods",
         "text": "We accept Visa, Mastercard, PayPal, Apple Pay, Google Pay, Klarna (pay in 30 days) and SEPA "
                 "bank transfer. Prices are in euros and include VAT. Cash on delivery is not available.",
         "currency": CURRENCY},
        {"topic": "warranty", "country": "*", "title": "Warranty",
         "text": "Every product carries the 2-year EU legal guarantee; many electronics and cookware carry a "
                 "longer manufacturer warranty shown on the product page. Send us your order number and a photo "
                 "of the fault and we repair, replace or refund the item.",
         "days_max": 730, "currency": CURRENCY},
    ]


def main() -> None:
    prods = products()
    by_id = {p["id"]: p for p in prods}
    files = {"products.json": {"products": prods}, "orders.json": {"orders": orders(by_id)},
             "policies.json": {"policies": policies()}}
    for name, data in files.items():
        (OUT_DIR / name).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(prods)} products, {len(files['orders.json']['orders'])} orders, "
          f"{len(files['policies.json']['policies'])} policies to {OUT_DIR}")


if __name__ == "__main__":
    main()
