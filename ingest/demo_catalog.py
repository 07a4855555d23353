"""The demo organisation's reference data: a beauty retailer's catalog (personas with empathy maps, channels,
touchpoints, stakeholders, frictions, triggers, actions, competitors) and the Sydney example of the CX material
(../shared/contracts/examples), kept here verbatim so a fresh clone can build the demo (`ingest.generator`)."""

from __future__ import annotations

from typing import Any

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
