"""The real Olist export through docs/examples/olist/mapping.yaml: journeys per order, late-delivery frictions."""

from __future__ import annotations

import csv
import dataclasses
from datetime import datetime
from pathlib import Path

from graph.settings import Settings
from graph.store import GraphStore
from ingest.batch import ingest_files
from ingest.mapping import load_mapping

ROOT = Path(__file__).resolve().parents[2]
ORDERS = 1200  # a slice of the export keeps the test fast; the mapping is the same


def slice_of_olist(source: Path, target: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The first ORDERS orders with their customers and reviews, as the same files in `target`."""
    target.mkdir()
    with open(source / "olist_orders_dataset.csv", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        orders = [row for _, row in zip(range(ORDERS), reader, strict=False)]
        order_columns = reader.fieldnames or []
    ids = {o["order_id"] for o in orders}
    customers = {o["customer_id"] for o in orders}
    copies: dict[str, list[dict[str, str]]] = {}
    for name, column, keep in (("olist_customers_dataset.csv", "customer_id", customers),
                               ("olist_order_reviews_dataset.csv", "order_id", ids)):
        with open(source / name, encoding="utf-8") as f, open(target / name, "w", encoding="utf-8",
                                                              newline="") as out:
            reader = csv.DictReader(f)
            writer = csv.DictWriter(out, reader.fieldnames or [])
            writer.writeheader()
            copies[name] = [row for row in reader if row[column] in keep]
            writer.writerows(copies[name])
    with open(target / "olist_orders_dataset.csv", "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, order_columns)
        writer.writeheader()
        writer.writerows(orders)
    return orders, copies["olist_order_reviews_dataset.csv"]


def test_olist_orders_and_reviews_become_journeys_with_late_deliveries(store: GraphStore, store_settings: Settings,
                                                                       shared_data: Path, tmp_path: Path) -> None:
    orders, reviews = slice_of_olist(shared_data / "olist", tmp_path / "olist")
    settings = dataclasses.replace(store_settings, state_dir_override=str(tmp_path / "state"))
    mapping = load_mapping(ROOT / "docs" / "examples" / "olist" / "mapping.yaml")
    report = ingest_files(store, settings, events=[tmp_path / "olist" / "olist_orders_dataset.csv",
                                                   tmp_path / "olist" / "olist_order_reviews_dataset.csv"],
                          row_reader=mapping.row_reader())

    delivered = [o for o in orders if o["order_delivered_customer_date"]]
    late = [o for o in delivered if datetime.fromisoformat(o["order_delivered_customer_date"])
            > datetime.fromisoformat(o["order_estimated_delivery_date"])]
    assert report.rejected == 0
    assert report.ingested == len(orders) + len(delivered) + len(reviews)
    assert report.journeys == len(orders)  # one journey per order: purchase -> delivery -> review

    [hits] = store.read("MATCH (:Interaction {type: 'delivery'})-[:HIT]->(:FrictionPoint {code: 'late-delivery'}) "
                        "RETURN count(*) AS n")
    assert hits["n"] == len(late) > 0

    review = next(r for r in reviews if r["review_comment_message"])
    journey_of = store.read("MATCH (i:Interaction)<-[:INCLUDES]-(j:Journey) WHERE i.id STARTS WITH $review "
                            "RETURN j.id AS j", {"review": f"review-{review['review_id']}"})
    rows = store.read("MATCH (j:Journey {id: $j})-[r:INCLUDES]->(i:Interaction) "
                      "RETURN r.seq AS seq, i.type AS type, i.csat AS csat, i.text AS text ORDER BY seq",
                      {"j": journey_of[0]["j"]})
    assert rows[0]["type"] == "purchase" and "feedback" in [r["type"] for r in rows]
    [feedback] = [r for r in rows if r["type"] == "feedback"]
    assert feedback["csat"] == int(review["review_score"]) and feedback["text"] == review["review_comment_message"]
    [people] = store.read("MATCH (c:Customer) RETURN count(c) AS n")
    with open(tmp_path / "olist" / "olist_customers_dataset.csv", encoding="utf-8") as f:
        unique = {row["customer_unique_id"] for row in csv.DictReader(f)}
    assert people["n"] == len(unique)  # the person (customer_unique_id), not the per-order customer id
