// fragment: link-identities
// Links identities to their customers, creating the identities the graph lacks. Rows: $identities = [{customer_id,
// key, kind, hash}]. Shared by the event batch and the customer-file upsert.

UNWIND $identities AS idn
MATCH (c:Customer {id: idn.customer_id})
MERGE (x:Identity {key: idn.key}) ON CREATE SET x.kind = idn.kind, x.hash = idn.hash
MERGE (x)-[:IDENTIFIES]->(c)
