"""Writes demo_catalog.json deterministically (all names and text invented for this project).

Run: python -m catalog.data.make_demo_catalog   (orders and policies are hand-written JSON files)
"""
from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path

OUT = Path(__file__).resolve().parent / "demo_catalog.json"
SIZES = ["XS", "S", "M", "L", "XL", "XXL"]
SHOE_SIZES = ["6", "7", "8", "9", "10", "11", "12"]
RING_SIZES = ["5", "6", "7", "8", "9"]
SHIP_STD = "Ships in 1-2 business days from our US warehouse."
SHIP_BIG = "Oversized item: ships by freight in 5-10 business days; delivery to your room of choice."
RET_STD = "30-day free returns on unworn items with tags."
RET_BEAUTY = "Returnable within 30 days if unopened, for hygiene reasons."
RET_TECH = "30-day returns in the original packaging; opened headphones and earbuds are exchanged, not refunded."
RET_HOME = "30-day returns; oversized items carry a $49 return pickup fee."

# (type, category, tags, price range, options {name: values | (value, price delta)}, warranty, blurb)
# Each type appears under two invented brand names; the first listed brand gets the "hero" product.
TYPES: list[tuple] = [
    # Apparel
    ("Linen Shirt", "Apparel", "shirt,linen,summer,men,women", (39, 69), {"size": SIZES[:5], "color": ["White", "Sky Blue", "Sand", "Olive"]}, "", "A breathable linen shirt with a relaxed fit and mother-of-pearl style buttons, made to stay cool on hot days."),
    ("Crewneck T-Shirt", "Apparel", "t-shirt,tee,cotton,basics", (15, 29), {"size": SIZES, "color": ["Black", "White", "Heather Grey", "Navy"]}, "", "A soft organic cotton tee with a classic crew neckline that keeps its shape wash after wash."),
    ("Pullover Hoodie", "Apparel", "hoodie,sweatshirt,fleece,casual", (45, 79), {"size": SIZES, "color": ["Charcoal", "Forest Green", "Burgundy"]}, "", "A brushed fleece hoodie with a lined hood and a roomy front pocket for cool evenings."),
    ("Denim Jacket", "Apparel", "jacket,denim,jean jacket,outerwear", (69, 119), {"size": SIZES[1:5], "color": ["Light Wash", "Dark Indigo"]}, "", "A sturdy denim jacket with a broken-in feel, chest pockets and adjustable button cuffs."),
    ("Rain Jacket", "Apparel", "jacket,raincoat,waterproof,outerwear", (79, 149), {"size": SIZES[1:], "color": ["Yellow", "Navy", "Black"]}, "", "A packable waterproof shell with taped seams and an adjustable hood that folds into its own pocket."),
    ("Puffer Jacket", "Apparel", "jacket,coat,winter,down,insulated", (119, 219), {"size": SIZES[:5], "color": ["Black", "Olive", "Red"]}, "", "A warm quilted puffer with recycled insulation, a two-way zip and fleece-lined hand pockets."),
    ("Chino Pants", "Apparel", "pants,trousers,chinos,men", (49, 79), {"size": ["28", "30", "32", "34", "36"], "color": ["Khaki", "Navy", "Stone"]}, "", "Tailored stretch chinos that move with you, from the office to the weekend."),
    ("Slim Jeans", "Apparel", "jeans,denim,pants,trousers", (59, 99), {"size": ["26", "28", "30", "32", "34"], "color": ["Mid Blue", "Black"]}, "", "Slim-fit stretch denim with a mid rise and five classic pockets."),
    ("Wrap Dress", "Apparel", "dress,women,wrap dress,summer", (59, 109), {"size": SIZES[:5], "color": ["Red", "Emerald", "Floral Print"]}, "", "A flattering wrap dress in a flowing fabric with a tie waist and flutter sleeves."),
    ("Knit Sweater", "Apparel", "sweater,jumper,knitwear,wool", (59, 119), {"size": SIZES[:5], "color": ["Cream", "Camel", "Navy"]}, "", "A cosy merino-blend sweater with ribbed cuffs, soft enough to wear next to the skin."),
    ("Yoga Leggings", "Apparel", "leggings,yoga,activewear,women,gym", (39, 79), {"size": SIZES[:5], "color": ["Black", "Plum", "Slate Blue"]}, "", "High-waisted leggings in a buttery four-way stretch fabric with a hidden waistband pocket."),
    ("Silk Scarf", "Apparel", "scarf,silk,accessories,gift", (39, 89), {"color": ["Ivory", "Coral Print", "Navy Paisley"]}, "", "A square pure silk scarf with hand-rolled edges to wear as a neckerchief, headband or bag accent."),
    # Shoes
    ("Running Shoes", "Shoes", "running shoes,sneakers,trainers,running,athletic", (89, 159), {"size": SHOE_SIZES, "color": ["Black", "Blue", "Coral"]}, "", "Lightweight running shoes with a responsive foam midsole, a breathable mesh upper and a grippy rubber outsole."),
    ("Trail Running Shoes", "Shoes", "trail shoes,running shoes,sneakers,hiking,trail", (109, 169), {"size": SHOE_SIZES, "color": ["Moss", "Graphite"]}, "", "Trail running shoes with deep lugs, a rock plate and a water-resistant upper for muddy paths."),
    ("Leather Sneakers", "Shoes", "sneakers,leather,casual shoes,trainers", (89, 149), {"size": SHOE_SIZES, "color": ["White", "Black"]}, "", "Minimal low-top sneakers in smooth leather with a cushioned insole and a stitched cupsole."),
    ("Chelsea Boots", "Shoes", "boots,chelsea boots,leather,ankle boots", (129, 199), {"size": SHOE_SIZES, "color": ["Brown", "Black"]}, "", "Pull-on Chelsea boots in water-resistant suede with elastic side panels and a stacked heel."),
    ("Hiking Boots", "Shoes", "hiking boots,boots,waterproof,outdoor,trekking", (139, 219), {"size": SHOE_SIZES, "color": ["Brown", "Grey"]}, "", "Waterproof mid-height hiking boots with ankle support and a lugged outsole for rough trails."),
    ("Everyday Sandals", "Shoes", "sandals,summer,flip flops,beach", (35, 69), {"size": SHOE_SIZES[:6], "color": ["Tan", "Black"]}, "", "Cushioned strap sandals with a contoured footbed for long summer walks."),
    # Beauty
    ("Matte Lipstick", "Beauty", "lipstick,makeup,lips,cosmetics", (18, 32), {"shade": ["Ruby Red", "Nude Rose", "Coral Crush", "Berry", "Mauve"]}, "", "A long-wearing matte lipstick with a creamy feel that does not dry the lips."),
    ("Liquid Foundation", "Beauty", "foundation,makeup,base,cosmetics", (29, 45), {"shade": ["Porcelain", "Ivory", "Beige", "Sand", "Honey", "Caramel", "Espresso"]}, "", "A lightweight buildable foundation with a natural satin finish and SPF 15."),
    ("Volumizing Mascara", "Beauty", "mascara,makeup,eyes,lashes", (14, 26), {"shade": ["Black", "Brown Black"]}, "", "A smudge-proof mascara with a curved brush that lifts and separates every lash."),
    ("Vitamin C Serum", "Beauty", "serum,skincare,vitamin c,face", (24, 48), {"size": [("30 ml", 0), ("50 ml", 12)]}, "", "A brightening serum with stabilised vitamin C and hyaluronic acid for a more even tone."),
    ("Hydrating Face Cream", "Beauty", "moisturizer,face cream,skincare,hydrating", (22, 44), {"size": [("50 ml", 0)]}, "", "A rich daily moisturiser with ceramides and squalane that calms dry skin."),
    ("Mineral Sunscreen SPF 50", "Beauty", "sunscreen,spf,sun protection,skincare", (18, 30), {"size": [("50 ml", 0), ("100 ml", 9)]}, "", "A broad-spectrum mineral sunscreen that blends in without a white cast."),
    ("Eyeshadow Palette", "Beauty", "eyeshadow,palette,makeup,eyes", (29, 49), {"shade": ["Warm Neutrals", "Smoky Night", "Sunset"]}, "", "Twelve blendable eyeshadows in matte and shimmer finishes with a mirror lid."),
    ("Eau de Parfum", "Beauty", "perfume,fragrance,gift,scent", (59, 129), {"size": [("50 ml", 0), ("100 ml", 40)]}, "", "A warm floral fragrance with notes of jasmine, bergamot and sandalwood."),
    ("Hair Repair Oil", "Beauty", "hair oil,haircare,argan,frizz", (19, 36), {"size": [("100 ml", 0)]}, "", "A featherlight argan oil that tames frizz and adds shine without weighing hair down."),
    # Phones and accessories
    ("Wireless Earbuds", "Phones & Accessories", "earbuds,wireless earbuds,bluetooth,headphones,audio", (49, 149), {"color": ["Black", "White", "Midnight Blue"]}, "1-year limited warranty", "True wireless earbuds with active noise cancellation, 30 hours of battery with the charging case and a water-resistant design."),
    ("Noise Cancelling Headphones", "Phones & Accessories", "headphones,over-ear,noise cancelling,bluetooth,audio", (129, 299), {"color": ["Black", "Silver"]}, "1-year limited warranty", "Over-ear wireless headphones with adaptive noise cancelling, plush ear cushions and 40-hour battery life."),
    ("Phone Case", "Phones & Accessories", "phone case,cover,iphone,galaxy,protection", (19, 39), {"model": ["iPhone 15", "iPhone 15 Pro", "Galaxy S24", "Pixel 8"], "color": ["Clear", "Black", "Sage"]}, "1-year warranty against yellowing", "A slim shock-absorbing phone case with raised edges to protect the screen and camera."),
    ("Fast Charger 30W", "Phones & Accessories", "charger,usb-c,fast charging,wall charger,adapter", (19, 35), {"color": ["White"]}, "2-year warranty", "A compact 30-watt USB-C wall charger that fast-charges phones, tablets and earbuds."),
    ("Wireless Charging Pad", "Phones & Accessories", "wireless charger,charging pad,qi,charger", (24, 45), {"color": ["Black", "White"]}, "1-year limited warranty", "A slim Qi wireless charging pad with a non-slip surface and a soft status light."),
    ("Power Bank 10000 mAh", "Phones & Accessories", "power bank,portable charger,battery pack,travel", (29, 55), {"color": ["Black", "Blue"]}, "18-month warranty", "A pocket-sized 10,000 mAh power bank with USB-C in and out, enough for two phone charges."),
    ("Braided USB-C Cable", "Phones & Accessories", "cable,usb-c,charging cable,lightning", (12, 22), {"length": ["1 m", "2 m"]}, "Lifetime warranty", "A tough braided USB-C cable rated for thousands of bends, supporting fast charging."),
    ("Smartwatch", "Phones & Accessories", "smartwatch,watch,fitness,wearable", (149, 299), {"size": ["41 mm", "45 mm"], "color": ["Black", "Silver", "Rose Gold"]}, "1-year limited warranty", "A smartwatch with heart-rate and sleep tracking, GPS, contactless payments and a week of battery."),
    ("Bluetooth Speaker", "Phones & Accessories", "speaker,bluetooth,portable,audio,waterproof", (39, 129), {"color": ["Black", "Teal", "Red"]}, "1-year limited warranty", "A waterproof portable speaker with rich 360-degree sound and 12 hours of playtime."),
    ("Smartphone", "Phones & Accessories", "smartphone,phone,mobile,android,unlocked", (399, 799), {"storage": [("128 GB", 0), ("256 GB", 100)], "color": ["Graphite", "Ice Blue"]}, "1-year manufacturer warranty", "An unlocked 5G smartphone with a 6.4-inch OLED screen, a triple camera and all-day battery."),
    ("Car Phone Mount", "Phones & Accessories", "car mount,phone holder,magnetic,driving", (19, 39), {"color": ["Black"]}, "1-year warranty", "A magnetic vent mount that holds your phone steady and turns with one hand."),
    # Home and furniture
    ("Accent Chair", "Home & Furniture", "chair,armchair,living room,furniture", (249, 449), {"color": ["Mustard", "Teal Velvet", "Oatmeal"]}, "5-year frame warranty", "A mid-century accent chair with a solid wood frame, deep seat and soft upholstery."),
    ("Oak Coffee Table", "Home & Furniture", "coffee table,table,oak,living room,furniture", (199, 399), {"finish": ["Natural Oak", "Smoked Oak"]}, "5-year warranty", "A solid oak coffee table with rounded corners and a lower shelf for books and baskets."),
    ("Bookshelf", "Home & Furniture", "bookshelf,shelving,storage,furniture", (129, 249), {"color": ["White", "Walnut"]}, "2-year warranty", "A five-tier open bookshelf with a sturdy steel frame and wood-look shelves."),
    ("Table Lamp", "Home & Furniture", "lamp,lighting,bedside,table lamp", (39, 89), {"color": ["Brass", "Matte Black"]}, "2-year warranty", "A ceramic table lamp with a linen shade and a warm dimmable LED bulb included."),
    ("Throw Blanket", "Home & Furniture", "blanket,throw,sofa,cozy,bedroom", (35, 79), {"color": ["Grey", "Terracotta", "Cream"]}, "", "A chunky knit throw blanket, heavy enough for winter and soft enough for the sofa."),
    ("Linen Bedding Set", "Home & Furniture", "bedding,duvet cover,sheets,bedroom,linen", (129, 229), {"size": [("Twin", 0), ("Queen", 40), ("King", 70)], "color": ["White", "Sage", "Clay"]}, "", "A stonewashed linen duvet cover and pillowcase set that gets softer with every wash."),
    ("Memory Foam Pillow", "Home & Furniture", "pillow,memory foam,sleep,bedroom", (39, 69), {"size": [("Standard", 0), ("King", 15)]}, "3-year warranty", "A contoured memory foam pillow that supports the neck for side and back sleepers."),
    ("Ceramic Dinnerware Set", "Home & Furniture", "dinnerware,plates,bowls,kitchen,ceramic", (79, 149), {"color": ["Speckled White", "Ocean Blue"]}, "", "A 12-piece stoneware set of plates and bowls for four, dishwasher and microwave safe."),
    ("Chef's Knife", "Home & Furniture", "knife,kitchen,cooking,chef knife", (49, 119), {"size": [("8 inch", 0)]}, "Lifetime warranty", "A forged stainless steel chef's knife with a full tang and a balanced, comfortable handle."),
    ("Cast Iron Skillet", "Home & Furniture", "skillet,pan,cast iron,cookware,kitchen", (29, 59), {"size": [("10 inch", 0), ("12 inch", 15)]}, "Lifetime warranty", "A pre-seasoned cast iron skillet that sears, bakes and goes from stovetop to oven."),
    ("Scented Candle", "Home & Furniture", "candle,home fragrance,gift,decor", (19, 39), {"scent": ["Fig & Cedar", "Sea Salt", "Vanilla Amber"]}, "", "A hand-poured soy wax candle with a cotton wick and about 50 hours of burn time."),
    ("Area Rug", "Home & Furniture", "rug,carpet,living room,decor", (129, 349), {"size": [("5x7 ft", 0), ("8x10 ft", 150)], "color": ["Ivory", "Charcoal"]}, "", "A low-pile woven rug with a subtle geometric pattern that is easy to vacuum."),
    ("Ergonomic Office Chair", "Home & Furniture", "office chair,desk chair,ergonomic,work from home", (199, 399), {"color": ["Black", "Grey"]}, "5-year warranty", "An ergonomic desk chair with adjustable lumbar support, armrests and breathable mesh back."),
    # Jewellery and watches
    ("Sterling Silver Necklace", "Jewelry & Watches", "necklace,silver,pendant,jewelry,gift", (49, 129), {"length": ["16 in", "18 in"]}, "1-year warranty", "A delicate sterling silver pendant necklace on an adjustable cable chain."),
    ("Gold Hoop Earrings", "Jewelry & Watches", "earrings,hoops,gold,jewelry,gift", (39, 159), {"size": ["Small", "Large"]}, "1-year warranty", "Lightweight hoop earrings in 14k gold vermeil with a secure hinged clasp."),
    ("Pearl Stud Earrings", "Jewelry & Watches", "earrings,pearl,studs,jewelry,gift", (49, 119), {"color": ["White Pearl"]}, "1-year warranty", "Classic freshwater pearl studs set in sterling silver, a timeless gift."),
    ("Charm Bracelet", "Jewelry & Watches", "bracelet,charm,jewelry,gift", (39, 99), {"color": ["Silver", "Rose Gold"]}, "1-year warranty", "An adjustable charm bracelet with a starter charm and room to add more."),
    ("Stacking Ring", "Jewelry & Watches", "ring,stacking ring,jewelry,gold,silver", (29, 89), {"ring size": RING_SIZES, "color": ["Gold", "Silver"]}, "1-year warranty", "A slim hammered ring band in gold or sterling silver, made to wear alone or stacked with others."),
    ("Automatic Watch", "Jewelry & Watches", "watch,automatic,mechanical,men,luxury", (249, 599), {"color": ["Steel Bracelet", "Brown Leather"]}, "2-year warranty", "A self-winding automatic watch with sapphire crystal, exhibition caseback and 100 m water resistance."),
    ("Chronograph Watch", "Jewelry & Watches", "watch,chronograph,stopwatch,quartz", (149, 329), {"color": ["Black Dial", "Blue Dial"]}, "2-year warranty", "A quartz chronograph with a stopwatch, date window and a stainless steel case."),
    ("Minimalist Watch", "Jewelry & Watches", "watch,minimalist,women,men,leather", (89, 179), {"color": ["Rose Gold Mesh", "Silver Mesh", "Black Leather"]}, "2-year warranty", "A thin minimalist watch with a clean dial and an easy-swap strap."),
    # Outdoor and sports
    ("Yoga Mat", "Outdoor & Sports", "yoga mat,yoga,fitness,exercise,pilates", (29, 89), {"color": ["Lavender", "Ocean Blue", "Black"]}, "1-year warranty", "A 6 mm non-slip yoga mat with cushioning for joints and alignment lines, with a carry strap."),
    ("Camping Tent", "Outdoor & Sports", "tent,camping,outdoor,hiking,backpacking", (129, 329), {"capacity": [("2-person", 0), ("4-person", 90)]}, "2-year warranty", "A freestanding waterproof camping tent with two doors, a full rainfly and quick clip poles."),
    ("Sleeping Bag", "Outdoor & Sports", "sleeping bag,camping,outdoor,hiking", (69, 179), {"size": [("Regular", 0), ("Long", 20)]}, "2-year warranty", "A three-season mummy sleeping bag rated to 20 degrees F that packs into a compression sack."),
    ("Hiking Backpack", "Outdoor & Sports", "backpack,hiking,daypack,rucksack,travel", (79, 189), {"size": [("30 L", 0), ("45 L", 40)], "color": ["Orange", "Black"]}, "Lifetime warranty", "A ventilated hiking backpack with a hip belt, rain cover and hydration sleeve."),
    ("Insulated Water Bottle", "Outdoor & Sports", "water bottle,bottle,insulated,flask,hydration", (22, 45), {"size": [("500 ml", 0), ("750 ml", 6)], "color": ["Mint", "Black", "Sunset Orange"]}, "Lifetime warranty", "A double-wall stainless steel bottle that keeps drinks cold for 24 hours or hot for 12."),
    ("Trekking Poles", "Outdoor & Sports", "trekking poles,hiking poles,walking,hiking", (49, 119), {"color": ["Graphite"]}, "2-year warranty", "Collapsible carbon trekking poles with cork grips and quick flick locks."),
    ("Resistance Bands Set", "Outdoor & Sports", "resistance bands,fitness,home gym,exercise", (19, 39), {"color": ["Multicolor"]}, "1-year warranty", "Five latex-free resistance bands from light to extra heavy, with handles and a door anchor."),
    ("Adjustable Dumbbells", "Outdoor & Sports", "dumbbells,weights,home gym,strength", (199, 399), {"size": [("25 lb pair", 0), ("50 lb pair", 150)]}, "2-year warranty", "Quick-change adjustable dumbbells that replace a full rack in a small footprint."),
    ("Cycling Helmet", "Outdoor & Sports", "helmet,bike,cycling,bicycle,safety", (49, 129), {"size": ["S", "M", "L"], "color": ["Matte Black", "White"]}, "1-year warranty", "A lightweight in-mould cycling helmet with rotational impact protection and a rear light."),
    ("LED Headlamp", "Outdoor & Sports", "headlamp,flashlight,camping,running", (19, 45), {"color": ["Black", "Orange"]}, "2-year warranty", "A rechargeable 400-lumen headlamp with a red night mode and a comfortable band."),
    ("Tennis Racket", "Outdoor & Sports", "tennis racket,tennis,racquet,sports", (79, 199), {"grip": ["4 1/4", "4 3/8"]}, "1-year warranty", "A lightweight graphite tennis racket with a forgiving sweet spot, pre-strung."),
    ("Soccer Ball", "Outdoor & Sports", "soccer ball,football,ball,sports", (25, 45), {"size": ["4", "5"]}, "", "A match-quality thermally bonded soccer ball for grass and turf."),
    ("Foam Roller", "Outdoor & Sports", "foam roller,recovery,massage,fitness", (25, 49), {"color": ["Black", "Blue"]}, "1-year warranty", "A firm textured foam roller for post-run recovery and muscle release."),
]

BRANDS = {
    "Apparel": ["Harbor & Pine", "Northwind", "Lumen Studio", "Cobalt Thread"],
    "Shoes": ["TrailRunner", "Strideline", "Cloudstep", "Ridgeway"],
    "Beauty": ["Velvet Bloom", "Solace Skin", "Aurelia", "Petal & Clay"],
    "Phones & Accessories": ["AirWave", "VoltEdge", "Nimbus", "Pixelnest"],
    "Home & Furniture": ["Oak & Ember", "Hearthline", "Casa Nova", "Stillwater Home"],
    "Jewelry & Watches": ["Lune & Co", "Meridian", "Gilded Fox", "Tidemark"],
    "Outdoor & Sports": ["Summit Peak", "FlowFit", "Basecamp", "Kestrel"],
}
# Second-line names so the same type appears twice with different character.
EDITIONS = ["", "Pro", "Lite", "Classic", "Plus", "Everyday", "Essential", "Max"]
FEATURES = {
    "Apparel": ["Machine washable.", "Ethically made in Portugal.", "Cut for a true-to-size fit.", "Made with recycled fibres."],
    "Shoes": ["Runs true to size.", "Vegan materials throughout.", "Removable insole for orthotics.", "Weighs under 300 g per shoe."],
    "Beauty": ["Cruelty-free and vegan.", "Dermatologist tested.", "Fragrance-free formula.", "Recyclable packaging."],
    "Phones & Accessories": ["USB-C charging.", "Works with iPhone and Android.", "Includes a travel pouch.", "Bluetooth 5.3 for a stable connection."],
    "Home & Furniture": ["Easy assembly in under 20 minutes.", "Responsibly sourced materials.", "Spot clean only.", "Tools included."],
    "Jewelry & Watches": ["Hypoallergenic and nickel-free.", "Arrives in a gift box.", "Free engraving on request.", "Water resistant."],
    "Outdoor & Sports": ["Tested in the field by our guides.", "PFC-free water repellency.", "Lightweight and packable.", "Built for daily training."],
}
HEROES = {("AirWave", "Wireless Earbuds"), ("TrailRunner", "Running Shoes"), ("FlowFit", "Yoga Mat")}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def code(text: str) -> str:
    return "".join(w[0] for w in re.findall(r"[A-Za-z0-9]+", text)).upper()[:4] or "X"


def price_in(rng: random.Random, lo: int, hi: int) -> float:
    return round(rng.uniform(lo, hi)) - 0.01 if rng.random() < 0.8 else float(round(rng.uniform(lo, hi)))


def build_product(rng: random.Random, spec: tuple, brand: str, edition: str, force_stock: bool | None,
                  number: int) -> dict:
    name, category, tags, (lo, hi), options, warranty, blurb = spec
    title = " ".join(x for x in (brand, edition, name) if x)
    pid = slug(title)
    base = price_in(rng, lo, hi)
    axes = []
    for opt, values in options.items():
        vals = [v if isinstance(v, tuple) else (v, 0) for v in values]
        if opt in ("color", "shade") and len(vals) > 3:
            vals = sorted(rng.sample(vals, 3 if "size" in options else min(len(vals), 5)), key=vals.index)
        axes.append((opt, vals))
    sold_out = force_stock is False or (force_stock is None and rng.random() < 0.08)
    variants = []
    for combo in itertools.product(*[vals for _, vals in axes]):
        opts = {axes[i][0]: v for i, (v, _) in enumerate(combo)}
        delta = sum(d for _, d in combo)
        stock = 0 if sold_out else rng.choice([0, 0, 2, 3, 5, 8, 12, 20, 35])
        sku = "-".join([f"{code(brand)}{code(name)}{number:03d}"] + [slug(v).upper().replace("-", "")[:12] for v, _ in combo])
        variants.append({"sku": sku, "options": opts, "price": f"{base + delta:.2f}", "stock": stock})
    if not sold_out and not any(v["stock"] for v in variants):
        variants[0]["stock"] = 7
    compare = None
    if rng.random() < 0.25:
        compare = f"{round(base / rng.choice([0.7, 0.75, 0.8, 0.85, 0.9])) - 0.01:.2f}"
    big = category == "Home & Furniture" and hi >= 199
    returns = {"Beauty": RET_BEAUTY, "Phones & Accessories": RET_TECH}.get(category, RET_HOME if big else RET_STD)
    return {
        "id": pid, "title": title, "brand": brand, "category": category,
        "description": f"{blurb} {rng.choice(FEATURES[category])}",
        "tags": tags.split(","), "currency": "USD", "compare_at_price": compare,
        "rating": round(rng.uniform(3.6, 4.9), 1), "rating_count": rng.randint(3, 2400),
        "shipping_info": SHIP_BIG if big else SHIP_STD, "warranty": warranty, "return_policy": returns,
        "variants": variants,
    }


def build_catalog(seed: int = 1042) -> list[dict]:
    rng = random.Random(seed)
    products = []
    for t_index, spec in enumerate(TYPES):
        name, category = spec[0], spec[1]
        brands = BRANDS[category]
        hero = next((b for b in brands if (b, name) in HEROES), None)
        first = hero or brands[t_index % len(brands)]
        second = brands[(t_index + 1) % len(brands)] if brands[(t_index + 1) % len(brands)] != first else brands[0]
        third = brands[(t_index + 2) % len(brands)]
        picks = [(first, ""), (second, EDITIONS[1 + t_index % (len(EDITIONS) - 1)])]
        if t_index % 3 == 0 and third not in (first, second):
            picks.append((third, ""))
        for n, (brand, edition) in enumerate(picks):
            # Every third type has a sold-out second product; heroes are always in stock.
            force = True if (brand, name) in HEROES else (False if n == 1 and t_index % 7 == 3 else None)
            products.append(build_product(rng, spec, brand, edition, force, len(products) + 1))
    return products


def main() -> None:
    products = build_catalog()
    ids = [p["id"] for p in products]
    assert len(ids) == len(set(ids)), "duplicate product ids"
    skus = [v["sku"] for p in products for v in p["variants"]]
    assert len(skus) == len(set(skus)), "duplicate SKUs"
    OUT.write_text(json.dumps({"products": products}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    sold_out = sum(1 for p in products if not any(v["stock"] for v in p["variants"]))
    print(f"{OUT.name}: {len(products)} products, {len(skus)} variants, {sold_out} sold out, "
          f"{OUT.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
