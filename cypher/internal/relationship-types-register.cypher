// name: relationship-types-register
// Makes every relationship type of the ontology known to the graph: one edge of each made and dropped at once. FalkorDB
// caches a query's plan, and a pattern comprehension planned before the first edge of its type existed keeps
// answering as if there were none after such edges are made ([(c)-[:SHOWS]->(:Persona) | ...] stayed empty once
// personas were assigned: tests/integration/test_live_state.py); a known type is planned right. FalkorDB's
// ensure_schema runs it when db.relationshipTypes() lacks one (tests/integration/test_plan_cache.py).
// mode: write
// audience: internal

CREATE (a), (b)
CREATE (a)-[:IDENTIFIES]->(b),
       (a)-[:SHOWS]->(b),
       (a)-[:HAS_INSIGHT]->(b),
       (a)-[:PERFORMED]->(b),
       (a)-[:AT]->(b),
       (a)-[:ON]->(b),
       (a)-[:IN_STAGE]->(b),
       (a)-[:TOOK]->(b),
       (a)-[:INCLUDES]->(b),
       (a)-[:NEXT]->(b),
       (a)-[:HIT]->(b),
       (a)-[:OCCURS_AT]->(b),
       (a)-[:TRIGGERED]->(b),
       (a)-[:SUGGESTS]->(b),
       (a)-[:ABOUT]->(b),
       (a)-[:SWITCHED_TO]->(b),
       (a)-[:OWNS]->(b),
       (a)-[:GAVE]->(b),
       (a)-[:EMBEDS]->(b),
       (a)-[:ACTIVE_AS]->(b),
       (a)-[:EXPOSED_TO]->(b),
       (a)-[:MEMBER_OF]->(b),
       (a)-[:HAS_TIMELINE]->(b)
WITH a, b
DETACH DELETE a, b
