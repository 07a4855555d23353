"""How the demo's customers behave (`ingest.generator` draws from these): the planted effects with known answers,
which personas pick which channels and touchpoints, friction and event rates, and the verbatim pools per friction,
experience and switch (fixed pools, so semantic search finds real clusters and embeddings stay cheap)."""

from __future__ import annotations

from dataclasses import dataclass

WINDOW_DAYS = 90  # the planted effects switch within this many days of the friction

@dataclass(frozen=True)
class PlantedEffect:
    """Customers of `persona` who hit `friction` switch to `competitor` within the window with this probability."""

    persona: str
    friction: str
    competitor: str
    switch_probability: float
    exposure_boost: float  # the persona meets this friction this many times more often than others do
    window_days: int = WINDOW_DAYS


PLANTED_EFFECTS: tuple[PlantedEffect, ...] = (
    PlantedEffect("trend-seeker", "colour_mismatch", "glamco", 0.6, 3.0),
    PlantedEffect("bargain-hunter", "price_surprise", "budgetbeauty", 0.6, 4.0),
    PlantedEffect("busy-parent", "late_delivery", "quickglow", 0.55, 2.5),
)

# -- behaviour: what happens where ---------------------------------------------------------------------------------
PERSONA_SHARE = {"trend-seeker": 0.24, "loyal-pro": 0.18, "bargain-hunter": 0.22, "busy-parent": 0.2,
                 "eco-conscious": 0.16}
CHANNEL_AFFINITY: dict[str, dict[str, float]] = {
    "trend-seeker": {"social": 5, "mobile_app": 4, "web": 2, "salon": 4, "store": 1, "email": 1, "chatbot": 1,
                     "call_center": 1},
    "loyal-pro": {"salon": 6, "call_center": 3, "email": 2, "web": 1, "store": 2, "mobile_app": 1, "social": 0.5,
                  "chatbot": 0.3},
    "bargain-hunter": {"web": 6, "email": 3, "mobile_app": 2, "store": 1, "social": 1, "chatbot": 1, "salon": 0.3,
                       "call_center": 1},
    "busy-parent": {"mobile_app": 6, "chatbot": 3, "web": 2, "email": 2, "store": 0.5, "salon": 0.5,
                    "call_center": 1, "social": 0.5},
    "eco-conscious": {"store": 6, "web": 2, "social": 2, "email": 1, "mobile_app": 1, "salon": 1, "chatbot": 0.5,
                      "call_center": 1},
}
# chance that a visit to the friction's touchpoint hits it
FRICTION_RATE = {
    "cant_find_product": 0.12, "colour_mismatch": 0.12, "long_wait": 0.12, "price_surprise": 0.09,
    "payment_declined": 0.07, "late_delivery": 0.12, "damaged_parcel": 0.05, "chatbot_loop": 0.18,
    "hold_time": 0.2, "return_refused": 0.15, "app_crash": 0.08, "out_of_stock": 0.1, "invoice_error": 0.06,
}
EVENT_TYPE = {
    "influencer_post": "view", "brand_newsletter": "view", "store_window": "view", "search_ad": "view",
    "product_page": "search", "ai_try_on": "interaction", "beauty_advisor": "consultation",
    "chatbot_advice": "interaction", "checkout": "purchase", "app_checkout": "purchase",
    "colour_appointment": "purchase", "store_till": "purchase", "delivery": "delivery", "aftercare": "support",
    "support_chat": "support", "returns_desk": "return", "loyalty_app": "interaction", "invoice": "invoice",
    "review_request": "feedback", "referral": "referral", "social_share": "share",
}
TRIGGER_AT = {"colour_appointment": "hair_colour_result", "delivery": "parcel_arrival",
              "ai_try_on": "try_on_result", "aftercare": "issue_resolution", "support_chat": "issue_resolution"}
ONLINE_CHECKOUTS = frozenset({"checkout", "app_checkout"})
CHOSEN_BY_FLOW = frozenset({"delivery", "cancellation"})  # reached only as a consequence, never picked at random
PRODUCTS = {
    "checkout": (("colour_kit", 24.0), ("gloss_conditioner", 14.0), ("repair_mask", 19.0), ("travel_set", 29.0)),
    "app_checkout": (("colour_kit", 24.0), ("gloss_conditioner", 14.0), ("kids_detangler", 9.0),
                     ("travel_set", 29.0)),
    "colour_appointment": (("salon_colour", 85.0), ("salon_balayage", 140.0), ("salon_gloss", 55.0)),
    "store_till": (("eco_refill_shampoo", 11.0), ("solid_conditioner", 12.0), ("gloss_conditioner", 14.0),
                   ("bamboo_brush", 16.0)),
}
CONTINUE_P = {"consideration": 0.85, "purchase": 0.7, "retention": 0.85, "advocacy": 0.45}

# -- verbatims: a pool per friction, per experience and per switch, so that semantic search finds real clusters -----
FRICTION_TEXTS: dict[str, tuple[str, ...]] = {
    "cant_find_product": ("I searched for twenty minutes and could not find a colour for my hair type.",
                          "The search shows shampoo when I type hair dye, it is useless.",
                          "No filters for curly hair, I gave up looking."),
    "colour_mismatch": ("The colour did not suit me at all and nobody explained the process.",
                        "I asked for copper and came out orange, I am so disappointed.",
                        "The shade looks nothing like the photo I showed the stylist.",
                        "My colour faded to a brassy yellow within a week."),
    "long_wait": ("I waited 40 minutes past my appointment time.",
                  "The next free colour appointment is in five weeks.",
                  "Nobody told me my stylist was running an hour late."),
    "price_surprise": ("A delivery fee appeared only at the last step of checkout.",
                       "The price jumped by six euros when I went to pay, that is sneaky.",
                       "Free delivery was advertised but I was charged for shipping.",
                       "Hidden fees at checkout, I will buy elsewhere."),
    "payment_declined": ("The app declined my card three times although it works everywhere else.",
                         "Payment failed in the app and I lost my basket."),
    "late_delivery": ("My parcel arrived four days after the promised date.",
                      "The order was late again and nobody told me.",
                      "Tracking said delivered but it came a week later.",
                      "I needed the kit for the weekend and it arrived on Tuesday."),
    "damaged_parcel": ("The bottle leaked all over the parcel.", "The box was crushed and the dye tube split."),
    "chatbot_loop": ("The chatbot kept sending me the same FAQ link.",
                     "I asked for a person five times and the bot did not understand.",
                     "The assistant went round in circles and never answered my question."),
    "hold_time": ("I was on hold for 35 minutes before anyone answered.",
                  "Every time I call I wait half an hour.",
                  "The call dropped after a long wait and I had to start again."),
    "return_refused": ("The store refused my return even with the receipt.",
                       "They would not take back an unopened product."),
    "app_crash": ("The app crashed every time I opened the try-on.",
                  "The virtual try-on froze and closed the app."),
    "out_of_stock": ("The refill station was empty again.", "The shampoo refill I always buy is out of stock."),
    "invoice_error": ("The invoice shows a higher amount than I paid.", "I was billed twice for one order."),
}
EXPERIENCE_TEXTS: dict[str, tuple[str, ...]] = {
    "negative": ("Not what I expected from this brand.", "It took far too long and I felt ignored.",
                 "Disappointing experience, I expected better service."),
    "met": ("Everything went as expected.", "Fine, no complaints.", "Quick and simple, as it should be."),
    "exceeded": ("The stylist was amazing and explained every step.", "Loved the result, better than I hoped!",
                 "Super friendly staff and the advice was spot on.",
                 "The try-on showed exactly how the colour would look, brilliant."),
}
SWITCH_TEXTS: dict[str, tuple[str, ...]] = {
    "glamco": ("GlamCo could see me the same day.", "GlamCo's stylists got my colour right the first time.",
               "Moving to GlamCo, they let you preview the colour first."),
    "budgetbeauty": ("BudgetBeauty shows the full price up front, no fees at checkout.",
                     "Switched to BudgetBeauty, delivery is free there.",
                     "BudgetBeauty is cheaper and has no hidden costs."),
    "quickglow": ("QuickGlow delivers next day, every time.", "Moving to QuickGlow, their parcels arrive on time.",
                  "QuickGlow tells me exactly when the parcel comes."),
    "greenleaf": ("GreenLeaf always has refills in stock.", "GreenLeaf Naturals uses no plastic at all."),
}
REFUSAL_RATE = {"marketing": 0.22, "personalization": 0.08, "analytics": 0.05, "profiling": 0.12}
FIRST_NAMES = ("Ava", "Noah", "Mia", "Liam", "Zoe", "Ethan", "Lea", "Omar", "Ines", "Jonas", "Sara", "Tariq",
               "Emma", "Lucas", "Chloe", "Mateo", "Nora", "Hugo", "Amira", "Felix", "Lina", "Yusuf", "Clara", "Ravi")
LAST_NAMES = ("Martin", "Garcia", "Novak", "Rossi", "Schmidt", "Dubois", "Kowalski", "Silva", "Jensen", "Okafor",
              "Haddad", "Nguyen", "Moreau", "Costa", "Fischer", "Larsen", "Ibrahim", "Weber", "Lopez", "Berg")
PERSONA_SHIFTS = {"trend-seeker": "loyal-pro", "bargain-hunter": "eco-conscious", "busy-parent": "loyal-pro",
                  "loyal-pro": "busy-parent", "eco-conscious": "bargain-hunter"}
