"""Demo data with known answers: a beauty retailer's customers, their omnichannel journeys and planted effects.

    generate(Path("demo-data"), customers=3000, seed=7)

writes, in the contract format of ../shared/contracts:

    catalog.yaml      personas with empathy maps, channels, touchpoints, stakeholders, frictions, triggers, actions,
                      competitors (the Sydney example's entries merged in)
    customers.jsonl   one customer a line: identities, pii, attributes, personas over time (since/until), consents
    events.jsonl      (or events.jsonl.gz) journeys across the five stages, streamed customer by customer
    truth.json        the planted effects: for each (persona, friction, competitor), customers of that persona who hit
                      that friction switch to that competitor within 90 days far more often than the baseline

Everything is drawn from `random.Random` seeded per (seed, customer), so a seed always gives the same files, and the
files are written as they are drawn, so memory stays flat at any size. Verbatims come from fixed pools per friction
and experience, so semantic search has something real to find and embeddings stay cheap (few distinct texts).
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from random import Random
from typing import IO, Any

import yaml

from graph.errors import InputError
from graph.ontology import STAGES

DAY = 86_400
PERIOD_START = 1_704_067_200  # 2024-01-01T00:00:00Z, epoch seconds
PERIOD_END = 1_751_328_000  # 2025-07-01T00:00:00Z
WINDOW_DAYS = 90
BACKGROUND_SWITCH_P = 0.03  # customers who leave for reasons the data does not show
FRICTION_SWITCH_P = 0.03  # chance that an ordinary friction hit makes the customer leave
PLANTED_COMPETITOR_SHARE = 0.9  # the rest of a planted effect's switchers pick another competitor

# -- the Sydney example (../shared/contracts/examples), kept here verbatim so a fresh clone can build the demo --------
SYDNEY_CATALOG: dict[str, list[dict[str, Any]]] = {
    "personas": [
        {"code": "trend-seeker", "name": "Trend seeker",
         "description": "Gen-Z college student on a budget who follows beauty influencers and wants to stay current "
                        "on hair and beauty trends.",
         "goals": ["stay up to date on hair and beauty trends", "see how a look suits her before committing"],
         "pains": ["cannot find products for a new modern look",
                   "worried about quality but must watch the budget"],
         "empathy": {"think": ["Will this colour really suit me?"],
                     "feel": ["Excited by new trends", "anxious about wasting money"],
                     "say": ["Show me what other buyers think"],
                     "do": ["Follows influencers", "reads reviews", "asks for expert advice"]}},
        {"code": "loyal-pro", "name": "Loyal professional",
         "description": "Busy professional who values time, reliability and expert service over price."},
    ],
    "channels": [
        {"code": "web", "name": "Website", "kind": "digital"},
        {"code": "mobile_app", "name": "Mobile app", "kind": "digital"},
        {"code": "social", "name": "Social media", "kind": "digital"},
        {"code": "salon", "name": "Salon", "kind": "physical"},
        {"code": "call_center", "name": "Call center", "kind": "physical"},
    ],
    "touchpoints": [
        {"code": "influencer_post", "name": "Influencer post", "channel": "social", "stage": "awareness",
         "owner": "marketing"},
        {"code": "ai_try_on", "name": "AI colour try-on", "channel": "mobile_app", "stage": "consideration",
         "owner": "digital"},
        {"code": "product_page", "name": "Product page", "channel": "web", "stage": "consideration",
         "owner": "digital"},
        {"code": "checkout", "name": "Checkout", "channel": "web", "stage": "purchase", "owner": "digital"},
        {"code": "colour_appointment", "name": "Colour appointment", "channel": "salon", "stage": "purchase",
         "owner": "salon_ops"},
        {"code": "aftercare", "name": "Aftercare follow-up", "channel": "call_center", "stage": "retention",
         "owner": "support"},
    ],
    "stakeholders": [
        {"code": "marketing", "name": "Marketing", "support": 0.9, "influence": 0.8},
        {"code": "digital", "name": "Digital products", "support": 0.8, "influence": 0.3},
        {"code": "salon_ops", "name": "Salon operations", "support": 0.2, "influence": 0.9},
        {"code": "support", "name": "Customer support", "support": 0.3, "influence": 0.2},
    ],
    "frictions": [
        {"code": "cant_find_product", "name": "Cannot find the right product", "touchpoint": "product_page",
         "owner": "digital"},
        {"code": "colour_mismatch", "name": "Colour result did not suit her", "touchpoint": "colour_appointment",
         "owner": "salon_ops"},
        {"code": "long_wait", "name": "Long wait for an appointment", "touchpoint": "colour_appointment",
         "owner": "salon_ops"},
    ],
    "triggers": [{"code": "hair_colour_result", "name": "Hair colour result"}],
    "actions": [
        {"code": "stylist_consult", "name": "Book a stylist to diagnose and fix the colour", "kind": "service",
         "trigger": "hair_colour_result", "when": "negative"},
        {"code": "colour_conditioner", "name": "Offer a conditioner for coloured hair", "kind": "product",
         "trigger": "hair_colour_result", "when": "met"},
        {"code": "trend_updates", "name": "Personal trend updates based on past interactions", "kind": "content",
         "trigger": "hair_colour_result", "when": "exceeded"},
    ],
    "competitors": [{"code": "glamco", "name": "GlamCo"}],
}

SYDNEY_CUSTOMERS = """\
{"customer_id": "sydney", "identities": {"email": "sydney@example.com"}, "pii": {"name": "Sydney", "email": "sydney@example.com"}, "attributes": {"age": 19, "occupation": "college student", "generation": "Z"}, "personas": [{"persona": "trend-seeker", "weight": 0.9, "since": "2024-01-01T00:00:00Z", "source": "declared"}, {"persona": "loyal-pro", "weight": 0.3, "since": "2024-06-01T00:00:00Z", "source": "rule:repeat-salon-visits"}], "consents": [{"purpose": "personalization", "granted": true, "ts": "2024-01-01T00:00:00Z"}, {"purpose": "marketing", "granted": false, "ts": "2024-01-01T00:00:00Z"}]}
{"customer_id": "alex", "pii": {"name": "Alex"}, "personas": [{"persona": "trend-seeker", "weight": 1.0}]}
"""  # noqa: E501 - the example's lines, byte for byte

SYDNEY_EVENTS = """\
{"event_id": "e1", "customer_id": "sydney", "ts": "2024-03-01T18:00:00Z", "channel": "social", "touchpoint": "influencer_post", "type": "view"}
{"event_id": "e2", "customer_id": "sydney", "ts": "2024-03-01T18:05:00Z", "channel": "web", "touchpoint": "product_page", "type": "search", "outcome": "failure", "friction": ["cant_find_product"], "ces": 6}
{"event_id": "e3", "customer_id": "sydney", "ts": "2024-03-02T10:00:00Z", "channel": "mobile_app", "touchpoint": "ai_try_on", "type": "interaction", "outcome": "success", "experience": "exceeded", "csat": 5}
{"event_id": "e4", "customer_id": "sydney", "ts": "2024-03-09T11:00:00Z", "channel": "salon", "touchpoint": "colour_appointment", "type": "purchase", "value": 85.0, "currency": "EUR", "trigger": "hair_colour_result", "experience": "negative", "friction": ["colour_mismatch"], "csat": 2, "text": "The colour did not suit me at all and nobody explained the process."}
{"event_id": "e5", "identities": {"email": "sydney@example.com"}, "ts": "2024-03-10T09:00:00Z", "channel": "call_center", "touchpoint": "aftercare", "type": "complaint", "outcome": "failure", "sentiment": -0.7, "text": "I waited 40 minutes and still have no appointment to fix my hair."}
{"event_id": "e6", "customer_id": "alex", "ts": "2024-03-03T12:00:00Z", "channel": "salon", "touchpoint": "colour_appointment", "type": "purchase", "value": 60.0, "currency": "EUR", "friction": ["long_wait"], "csat": 3}
{"event_id": "e7", "customer_id": "alex", "ts": "2024-03-20T12:00:00Z", "channel": "web", "touchpoint": "product_page", "type": "switch", "competitor": "glamco", "text": "GlamCo could see me the same day."}
"""  # noqa: E501 - the example's lines, byte for byte

# -- the rest of the demo organisation ------------------------------------------------------------------------------
DEMO_CATALOG: dict[str, list[dict[str, Any]]] = {
    "personas": [
        {"code": "loyal-pro",
         "goals": ["reliable results without thinking about it", "appointments that fit a full diary"],
         "pains": ["waiting for appointments", "explaining the same problem twice"],
         "empathy": {"think": ["My time is worth more than a discount"],
                     "feel": ["Trusting as long as the service is consistent", "Irritated by delays"],
                     "say": ["Just book me in with my usual stylist", "I expect you to remember me"],
                     "do": ["Books salon visits months ahead", "Calls rather than chats",
                            "Pays for premium products"]}},
        {"code": "bargain-hunter", "name": "Bargain hunter",
         "description": "Price-aware shopper who compares offers and buys online when the total is right.",
         "goals": ["the best total price", "no surprises between basket and payment"],
         "pains": ["hidden fees", "promotions that do not apply"],
         "empathy": {"think": ["Somebody sells this cheaper"],
                     "feel": ["Cheated by fees that appear at the last step", "Proud of a good deal"],
                     "say": ["Why is delivery extra now?", "Do you price match?"],
                     "do": ["Compares prices in several tabs", "Waits for promotions", "Abandons baskets"]}},
        {"code": "busy-parent", "name": "Busy parent",
         "description": "Parent juggling work and family who shops on the phone and needs things to arrive on time.",
         "goals": ["order in two minutes", "deliveries that arrive when promised"],
         "pains": ["late parcels", "chatbots that go round in circles"],
         "empathy": {"think": ["I have no time to chase a parcel"],
                     "feel": ["Stressed when plans slip", "Relieved when things just work"],
                     "say": ["Where is my order?", "Just tell me when it will arrive"],
                     "do": ["Orders in the app late at night", "Uses the chatbot while commuting"]}},
        {"code": "eco-conscious", "name": "Eco-conscious shopper",
         "description": "Chooses refills and natural ingredients, and shops in store to avoid packaging.",
         "goals": ["products with a clear environmental record", "refills instead of new bottles"],
         "pains": ["refills out of stock", "excess packaging"],
         "empathy": {"think": ["Is this really better for the planet?"],
                     "feel": ["Let down when the refill station is empty", "Good about choosing well"],
                     "say": ["Do you have this without plastic?", "Where do the ingredients come from?"],
                     "do": ["Brings her own bottles to the store", "Reads ingredient lists",
                            "Shares brands she trusts"]}},
    ],
    "channels": [
        {"code": "store", "name": "Store", "kind": "physical"},
        {"code": "email", "name": "Email", "kind": "digital"},
        {"code": "chatbot", "name": "Chatbot", "kind": "digital"},
    ],
    "touchpoints": [
        {"code": "brand_newsletter", "name": "Brand newsletter", "channel": "email", "stage": "awareness",
         "owner": "marketing"},
        {"code": "store_window", "name": "Store window", "channel": "store", "stage": "awareness",
         "owner": "retail_ops"},
        {"code": "search_ad", "name": "Search ad", "channel": "web", "stage": "awareness", "owner": "marketing"},
        {"code": "beauty_advisor", "name": "In-store beauty advisor", "channel": "store", "stage": "consideration",
         "owner": "retail_ops"},
        {"code": "chatbot_advice", "name": "Chatbot product advice", "channel": "chatbot", "stage": "consideration",
         "owner": "digital"},
        {"code": "app_checkout", "name": "App checkout", "channel": "mobile_app", "stage": "purchase",
         "owner": "digital"},
        {"code": "store_till", "name": "Store till", "channel": "store", "stage": "purchase", "owner": "retail_ops"},
        {"code": "delivery", "name": "Home delivery and tracking", "channel": "email", "stage": "retention",
         "owner": "logistics"},
        {"code": "support_chat", "name": "Support chat", "channel": "chatbot", "stage": "retention",
         "owner": "support"},
        {"code": "returns_desk", "name": "Returns desk", "channel": "store", "stage": "retention",
         "owner": "retail_ops"},
        {"code": "loyalty_app", "name": "Loyalty programme", "channel": "mobile_app", "stage": "retention",
         "owner": "marketing"},
        {"code": "invoice", "name": "Invoice email", "channel": "email", "stage": "retention", "owner": "finance"},
        {"code": "cancellation", "name": "Account cancellation", "channel": "call_center", "stage": "retention",
         "owner": "support"},
        {"code": "review_request", "name": "Review request", "channel": "email", "stage": "advocacy",
         "owner": "marketing"},
        {"code": "referral", "name": "Refer a friend", "channel": "mobile_app", "stage": "advocacy",
         "owner": "marketing"},
        {"code": "social_share", "name": "Shared a look", "channel": "social", "stage": "advocacy",
         "owner": "marketing"},
    ],
    "stakeholders": [
        {"code": "marketing", "concerns": ["brand reach", "loyalty programme uptake"]},
        {"code": "digital", "concerns": ["app stability", "conversion"]},
        {"code": "salon_ops", "concerns": ["stylist utilisation", "appointment no-shows"]},
        {"code": "support", "concerns": ["handling time", "first-contact resolution"]},
        {"code": "retail_ops", "name": "Retail operations", "support": 0.65, "influence": 0.7,
         "concerns": ["stock availability", "queue length"]},
        {"code": "logistics", "name": "Logistics", "support": 0.35, "influence": 0.75,
         "concerns": ["carrier cost", "delivery promise"]},
        {"code": "finance", "name": "Finance", "support": 0.25, "influence": 0.85,
         "concerns": ["delivery fee revenue", "billing accuracy"]},
    ],
    "frictions": [
        {"code": "price_surprise", "name": "Unexpected delivery fee at checkout", "touchpoint": "checkout",
         "owner": "finance", "description": "A delivery fee appears only at the last checkout step."},
        {"code": "payment_declined", "name": "Payment declined in the app", "touchpoint": "app_checkout",
         "owner": "digital"},
        {"code": "late_delivery", "name": "Parcel arrived late", "touchpoint": "delivery", "owner": "logistics",
         "description": "The parcel arrived after the promised day, often without notice."},
        {"code": "damaged_parcel", "name": "Parcel arrived damaged", "touchpoint": "delivery", "owner": "logistics"},
        {"code": "chatbot_loop", "name": "Chatbot goes round in circles", "touchpoint": "support_chat",
         "owner": "digital"},
        {"code": "hold_time", "name": "Long hold on the phone", "touchpoint": "aftercare", "owner": "support"},
        {"code": "return_refused", "name": "Return refused in store", "touchpoint": "returns_desk",
         "owner": "retail_ops"},
        {"code": "app_crash", "name": "App crashed during try-on", "touchpoint": "ai_try_on", "owner": "digital"},
        {"code": "out_of_stock", "name": "Refill out of stock", "touchpoint": "store_till", "owner": "retail_ops"},
        {"code": "invoice_error", "name": "Wrong amount on the invoice", "touchpoint": "invoice",
         "owner": "finance"},
    ],
    "triggers": [
        {"code": "parcel_arrival", "name": "Parcel arrival"},
        {"code": "try_on_result", "name": "Virtual try-on result"},
        {"code": "issue_resolution", "name": "Support issue resolution"},
        {"code": "competitor_switch", "name": "Switch to a competitor"},  # its actions are the win-back actions
    ],
    "actions": [
        {"code": "courier_credit", "name": "Apologise and refund the delivery fee", "kind": "service",
         "trigger": "parcel_arrival", "when": "negative"},
        {"code": "care_guide", "name": "Send a care guide for the products received", "kind": "content",
         "trigger": "parcel_arrival", "when": "met"},
        {"code": "refill_offer", "name": "Offer a refill subscription", "kind": "product",
         "trigger": "parcel_arrival", "when": "exceeded"},
        {"code": "advisor_call", "name": "Book a call with a beauty advisor", "kind": "contact",
         "trigger": "try_on_result", "when": "negative"},
        {"code": "matching_products", "name": "Suggest products that match the chosen look", "kind": "product",
         "trigger": "try_on_result", "when": "met"},
        {"code": "share_look", "name": "Invite to share the look with friends", "kind": "content",
         "trigger": "try_on_result", "when": "exceeded"},
        {"code": "supervisor_callback", "name": "Supervisor calls back within a day", "kind": "contact",
         "trigger": "issue_resolution", "when": "negative"},
        {"code": "satisfaction_check", "name": "Check a week later that all is well", "kind": "service",
         "trigger": "issue_resolution", "when": "met"},
        {"code": "referral_invite", "name": "Invite to the refer-a-friend programme", "kind": "content",
         "trigger": "issue_resolution", "when": "exceeded"},
        {"code": "winback_call", "name": "Call to hear why they left and put it right", "kind": "contact",
         "trigger": "competitor_switch", "when": "negative"},
        {"code": "winback_offer", "name": "A comeback offer on what they used to buy", "kind": "product",
         "trigger": "competitor_switch", "when": "negative"},
    ],
    "competitors": [
        {"code": "budgetbeauty", "name": "BudgetBeauty"},
        {"code": "quickglow", "name": "QuickGlow"},
        {"code": "greenleaf", "name": "GreenLeaf Naturals"},
    ],
}


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
CONSENT_PURPOSES = ("marketing", "personalization", "analytics", "profiling")
REFUSAL_RATE = {"marketing": 0.22, "personalization": 0.08, "analytics": 0.05, "profiling": 0.12}
FIRST_NAMES = ("Ava", "Noah", "Mia", "Liam", "Zoe", "Ethan", "Lea", "Omar", "Ines", "Jonas", "Sara", "Tariq",
               "Emma", "Lucas", "Chloe", "Mateo", "Nora", "Hugo", "Amira", "Felix", "Lina", "Yusuf", "Clara", "Ravi")
LAST_NAMES = ("Martin", "Garcia", "Novak", "Rossi", "Schmidt", "Dubois", "Kowalski", "Silva", "Jensen", "Okafor",
              "Haddad", "Nguyen", "Moreau", "Costa", "Fischer", "Larsen", "Ibrahim", "Weber", "Lopez", "Berg")
PERSONA_SHIFTS = {"trend-seeker": "loyal-pro", "bargain-hunter": "eco-conscious", "busy-parent": "loyal-pro",
                  "loyal-pro": "busy-parent", "eco-conscious": "bargain-hunter"}


@dataclass(frozen=True)
class GenerationReport:
    """What `generate` wrote."""

    outdir: Path
    catalog_path: Path
    customers_path: Path
    events_path: Path
    truth_path: Path
    customers: int
    events: int
    switches: int
    seconds: float
    effects: tuple[PlantedEffect, ...] = field(default=PLANTED_EFFECTS)

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def demo_catalog() -> dict[str, list[dict[str, Any]]]:
    """The demo catalog: the Sydney example's entries (which win on conflicts) merged with the rest by code."""
    merged: dict[str, list[dict[str, Any]]] = {}
    for kind in DEMO_CATALOG.keys() | SYDNEY_CATALOG.keys():
        entries: dict[str, dict[str, Any]] = {}
        for entry in SYDNEY_CATALOG.get(kind, []):
            entries[entry["code"]] = dict(entry)
        for entry in DEMO_CATALOG.get(kind, []):
            merged_entry = entries.setdefault(entry["code"], {})
            for key, value in entry.items():
                merged_entry.setdefault(key, value)
        merged[kind] = list(entries.values())
    return {kind: merged[kind] for kind in DEMO_CATALOG if kind in merged}


def generate(outdir: Path | str, customers: int = 3000, seed: int = 7, *, gzip_events: bool = False,
             include_sydney: bool = True) -> GenerationReport:
    """Write catalog.yaml, customers.jsonl, events.jsonl[.gz] and truth.json for `customers` customers."""
    if customers < 0:
        raise InputError(f"customers={customers} is negative; ask for 0 or more customers.")
    started = time.perf_counter()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    catalog = demo_catalog()
    world = _World(catalog)
    catalog_path = out / "catalog.yaml"
    catalog_path.write_text("# Demo catalog of a beauty retailer (generated; the Sydney example merged in).\n"
                            + yaml.safe_dump(catalog, sort_keys=False, allow_unicode=True, width=120))
    customers_path = out / "customers.jsonl"
    events_path = out / ("events.jsonl.gz" if gzip_events else "events.jsonl")
    n_events = n_switches = 0
    planted = {(e.persona, e.friction): 0 for e in PLANTED_EFFECTS}
    with customers_path.open("w", encoding="utf-8") as cust_file, _open_events(events_path) as event_file:
        if include_sydney:
            cust_file.write(SYDNEY_CUSTOMERS)
            event_file.write(SYDNEY_EVENTS)
            n_events += SYDNEY_EVENTS.count("\n")
            n_switches += 1
        for number in range(1, customers + 1):
            simulated = _simulate_customer(world, number, seed)
            cust_file.write(json.dumps(simulated.record, separators=(",", ":")) + "\n")
            event_file.write("".join(json.dumps(e, separators=(",", ":")) + "\n" for e in simulated.events))
            n_events += len(simulated.events)
            if simulated.switched:
                n_switches += 1
            if simulated.planted_cause is not None:
                planted[simulated.planted_cause] += 1
    truth_path = out / "truth.json"
    truth = {
        "seed": seed,
        "customers": customers + (2 if include_sydney else 0),
        "events": n_events,
        "switches": n_switches,
        "period": {"since": _rfc3339(PERIOD_START), "until": _rfc3339(PERIOD_END)},
        "background_switch_probability": BACKGROUND_SWITCH_P,
        "friction_switch_probability": FRICTION_SWITCH_P,
        "effects": [
            {"persona": e.persona, "friction": e.friction, "competitor": e.competitor, "window_days": e.window_days,
             "switch_probability": e.switch_probability, "exposure_boost": e.exposure_boost,
             "planted_switches": planted[(e.persona, e.friction)]}
            for e in PLANTED_EFFECTS
        ],
    }
    truth_path.write_text(json.dumps(truth, indent=2) + "\n")
    return GenerationReport(out, catalog_path, customers_path, events_path, truth_path, customers + 2 * include_sydney,
                            n_events, n_switches, time.perf_counter() - started)


def _open_events(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "wt", encoding="utf-8", compresslevel=3)
    return path.open("w", encoding="utf-8")


class _World:
    """The catalog turned into lookup tables the simulation draws from."""

    def __init__(self, catalog: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        self.touchpoints = {t["code"]: t for t in catalog["touchpoints"]}
        self.frictions_at: dict[str, list[str]] = {}
        for f in catalog["frictions"]:
            self.frictions_at.setdefault(f["touchpoint"], []).append(f["code"])
        self.competitors = [c["code"] for c in catalog["competitors"]]
        self.personas = list(PERSONA_SHARE)
        self.persona_cum = list(accumulate(PERSONA_SHARE.values()))
        self.effect_of = {(e.persona, e.friction): e for e in PLANTED_EFFECTS}
        # per persona and stage: the touchpoints one may pick, with cumulative weights by channel affinity
        self.choices: dict[tuple[str, str], tuple[list[str], list[float]]] = {}
        for persona, affinity in CHANNEL_AFFINITY.items():
            for stage in STAGES:
                codes = [c for c, t in self.touchpoints.items() if t["stage"] == stage and c not in CHOSEN_BY_FLOW]
                self.choices[(persona, stage)] = (codes, list(accumulate(affinity[self.touchpoints[c]["channel"]]
                                                                          for c in codes)))

    def friction_rate(self, friction: str, personas: Sequence[str]) -> float:
        boost = max((self.effect_of[(p, friction)].exposure_boost for p in personas
                     if (p, friction) in self.effect_of), default=1.0)
        return min(0.9, FRICTION_RATE[friction] * boost)


@dataclass
class _Assignment:
    persona: str
    weight: float
    since: int | None
    until: int | None

    def valid_at(self, t: int) -> bool:
        return self.weight > 0 and (self.since is None or self.since <= t) and (self.until is None or t < self.until)


@dataclass
class _Simulated:
    record: dict[str, Any]
    events: list[dict[str, Any]]
    switched: bool
    planted_cause: tuple[str, str] | None


def _simulate_customer(world: _World, number: int, seed: int) -> _Simulated:
    rng = Random(seed * 1_000_003 + number)
    cid = f"c{number:06d}"
    first_ts = rng.randint(PERIOD_START, PERIOD_END - 60 * DAY)
    assignments = _personas(world, rng, first_ts)

    def personas_at(t: int) -> list[str]:
        return [a.persona for a in assignments if a.valid_at(t)]

    visits = _journeys(world, rng, cid, first_ts, personas_at)
    leaving = _switch(world, rng, visits, first_ts, personas_at)
    cause: tuple[str, str] | None = None
    if leaving is not None:
        switch_ts, competitor, cause = leaving
        visits = [v for v in visits if v["_t"] < switch_ts]
        exit_event = {"_t": switch_ts, "customer_id": cid, "session_id": f"{cid}-exit", "channel": "call_center",
                      "touchpoint": "cancellation", "type": "switch", "competitor": competitor}
        if rng.random() < 0.7:
            exit_event["text"] = rng.choice(SWITCH_TEXTS.get(competitor, ("I have moved to another brand.",)))
        visits.append(exit_event)
    events = []
    for seq, visit in enumerate(visits, start=1):
        t = visit.pop("_t")
        visit["event_id"] = f"{cid}-{seq:04d}"
        visit["ts"] = _rfc3339(t)
        events.append(visit)
    if rng.random() < 0.03 and events:  # a few events carry only an identity, as a web tracker would send them
        tracked = events[0]
        del tracked["customer_id"]
        tracked["identities"] = {"crm_id": f"CRM-{number:07d}"}
    record = _customer_record(rng, cid, number, assignments, leaving is not None, visits)
    return _Simulated(record, events, leaving is not None, cause)


def _personas(world: _World, rng: Random, first_ts: int) -> list[_Assignment]:
    primary = rng.choices(world.personas, cum_weights=world.persona_cum)[0]
    since: int | None = first_ts - rng.randint(0, 60) * DAY
    if rng.random() < 0.1:
        since = None  # declared without a date: valid since forever
    assignments = [_Assignment(primary, round(rng.uniform(0.7, 1.0), 2), since, None)]
    roll = rng.random()
    if roll < 0.15 and first_ts + 120 * DAY < PERIOD_END - 30 * DAY:
        change = rng.randint(first_ts + 120 * DAY, PERIOD_END - 30 * DAY)
        assignments[0].until = change
        assignments.append(_Assignment(PERSONA_SHIFTS[primary], round(rng.uniform(0.7, 1.0), 2), change, None))
    elif roll < 0.33:
        second = rng.choice([p for p in world.personas if p != primary])
        assignments.append(_Assignment(second, round(rng.uniform(0.3, 0.6), 2), since, None))
    return assignments


def _journeys(world: _World, rng: Random, cid: str, first_ts: int,
              personas_at: Callable[[int], list[str]]) -> list[dict[str, Any]]:
    visits: list[dict[str, Any]] = []
    t = first_ts
    for k in range(1, rng.randint(2, 7)):
        if t >= PERIOD_END:
            break
        session = f"{cid}-j{k}"
        for stage in STAGES:
            if stage != "awareness" and rng.random() > CONTINUE_P[stage]:
                break
            personas = personas_at(t) or ["loyal-pro"]
            codes, cum = world.choices[(personas[0], stage)]
            for _ in range(1 if rng.random() < 0.6 else 2):
                t += rng.randint(600, 3 * DAY if stage != "retention" else 20 * DAY)
                touchpoint = rng.choices(codes, cum_weights=cum)[0]
                visit = _visit(world, rng, cid, session, touchpoint, t, personas)
                visits.append(visit)
                if touchpoint in ONLINE_CHECKOUTS and visit.get("outcome") != "abandoned":
                    t += rng.randint(DAY, 5 * DAY)
                    visits.append(_visit(world, rng, cid, session, "delivery", t, personas_at(t) or personas))
                if visit.get("friction") and rng.random() < 0.3:  # some complain about it
                    t += rng.randint(3600, 2 * DAY)
                    visits.append(_complaint(rng, cid, session, t, visit["friction"][0]))
        t += rng.randint(31 * DAY, 150 * DAY)  # the next journey starts after a quiet spell
    return visits


def _visit(world: _World, rng: Random, cid: str, session: str, touchpoint: str, t: int,
           personas: Sequence[str]) -> dict[str, Any]:
    spec = world.touchpoints[touchpoint]
    kind = EVENT_TYPE[touchpoint]
    visit: dict[str, Any] = {"_t": t, "customer_id": cid, "session_id": session, "channel": spec["channel"],
                             "touchpoint": touchpoint, "type": kind}
    hit = [f for f in world.frictions_at.get(touchpoint, ()) if rng.random() < world.friction_rate(f, personas)]
    if hit:
        experience = "negative"
        visit["friction"] = hit
        visit["outcome"] = "abandoned" if touchpoint in ONLINE_CHECKOUTS and rng.random() < 0.4 else "failure"
    else:
        roll = rng.random()
        experience = "negative" if roll < 0.07 else "exceeded" if roll > 0.75 else "met"
        if kind != "view":
            visit["outcome"] = "success"
    trigger = TRIGGER_AT.get(touchpoint)
    if trigger is not None:
        visit["trigger"] = trigger
    if kind != "view":
        visit["experience"] = experience
    if kind == "purchase" and visit.get("outcome") != "abandoned":
        product, price = rng.choice(PRODUCTS[touchpoint])
        visit.update(product=product, value=round(price * rng.uniform(0.8, 1.3), 2), currency="EUR")
    score = {"negative": 0, "met": 1, "exceeded": 2}[experience]
    if kind in ("purchase", "consultation", "support", "delivery", "interaction", "return") and rng.random() < 0.7:
        visit["csat"] = (rng.choice((1, 2, 2)), rng.choice((3, 4, 4)), rng.choice((4, 5, 5)))[score]
    if kind in ("support", "purchase", "search") and rng.random() < 0.5:
        visit["ces"] = (rng.randint(5, 7), rng.randint(2, 4), rng.randint(1, 2))[score]
    if kind == "feedback":
        visit["nps"] = (rng.randint(0, 6), rng.randint(6, 8), rng.randint(9, 10))[score]
    text = None
    if hit and rng.random() < 0.6:
        text = rng.choice(FRICTION_TEXTS[hit[0]])
    elif kind != "view" and rng.random() < (0.5, 0.1, 0.3)[score] or kind == "feedback":
        text = rng.choice(EXPERIENCE_TEXTS[experience])
    if text is not None:
        visit["text"] = text
        visit["sentiment"] = round((rng.uniform(-0.9, -0.3), rng.uniform(-0.1, 0.4), rng.uniform(0.5, 0.95))[score],
                                   2)
    return visit


def _complaint(rng: Random, cid: str, session: str, t: int, friction: str) -> dict[str, Any]:
    channel, touchpoint = ("call_center", "aftercare") if rng.random() < 0.5 else ("chatbot", "support_chat")
    return {"_t": t, "customer_id": cid, "session_id": session, "channel": channel, "touchpoint": touchpoint,
            "type": "complaint", "outcome": "failure", "experience": "negative",
            "text": rng.choice(FRICTION_TEXTS[friction]), "sentiment": round(rng.uniform(-0.95, -0.5), 2)}


def _switch(world: _World, rng: Random, visits: Sequence[Mapping[str, Any]], first_ts: int,
            personas_at: Callable[[int], list[str]]) -> tuple[int, str, tuple[str, str] | None] | None:
    """When the customer leaves, for whom, and which planted effect made them (the earliest switch wins)."""
    switch_ts: int | None = None
    competitor: str | None = None
    cause: tuple[str, str] | None = None
    for visit in visits:
        t = visit["_t"]
        if switch_ts is not None and t >= switch_ts:
            break
        for friction in visit.get("friction", ()):
            effect = next((world.effect_of[(p, friction)] for p in personas_at(t)
                           if (p, friction) in world.effect_of), None)
            if effect is not None and rng.random() < effect.switch_probability:
                at = t + rng.randint(3600, 75 * DAY)
                to = effect.competitor if rng.random() < PLANTED_COMPETITOR_SHARE else rng.choice(world.competitors)
                why: tuple[str, str] | None = (effect.persona, effect.friction)
            elif rng.random() < FRICTION_SWITCH_P:
                at = t + rng.randint(DAY, 120 * DAY)
                to, why = rng.choice(world.competitors), None
            else:
                continue
            if switch_ts is None or at < switch_ts:
                switch_ts, competitor, cause = at, to, why
    if switch_ts is None and rng.random() < BACKGROUND_SWITCH_P:
        switch_ts, competitor = rng.randint(first_ts + DAY, PERIOD_END), rng.choice(world.competitors)
    if switch_ts is None or competitor is None or switch_ts >= PERIOD_END:
        return None
    return switch_ts, competitor, cause


def _customer_record(rng: Random, cid: str, number: int, assignments: Sequence[_Assignment], switched: bool,
                     visits: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    email = f"{first.lower()}.{last.lower()}.{number}@example.com"
    consent_ts = _rfc3339(min((a.since for a in assignments if a.since is not None), default=PERIOD_START))
    negative = sum(1 for v in visits if v.get("experience") == "negative")
    stage = "stop" if switched else "backward" if negative >= 3 else "start" if len(visits) < 6 else "forward"
    personas = []
    for a in assignments:
        entry: dict[str, Any] = {"persona": a.persona, "weight": a.weight, "source": "declared"}
        if a.since is not None:
            entry["since"] = _rfc3339(a.since)
        if a.until is not None:
            entry["until"] = _rfc3339(a.until)
        personas.append(entry)
    return {
        "customer_id": cid,
        "identities": {"email": email, "crm_id": f"CRM-{number:07d}"},
        "pii": {"name": f"{first} {last}", "email": email},
        "attributes": {"tier": rng.choice(("bronze", "silver", "gold")),
                       "age_band": rng.choice(("18-24", "25-34", "35-44", "45-54", "55+")),
                       "region": rng.choice(("north", "south", "east", "west"))},
        "relationship_stage": stage,
        "personas": personas,
        "consents": [{"purpose": p, "granted": rng.random() >= REFUSAL_RATE[p], "ts": consent_ts, "source": "signup"}
                     for p in CONSENT_PURPOSES],
    }


def _rfc3339(epoch_s: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_s))


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The objects of a generated .jsonl or .jsonl.gz file, one by one."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)
