// name: personas-customers
// Every customer with interactions (not merged into another), in id order: who persona scoring scores.
// mode: read
// audience: internal

MATCH (c:Customer) WHERE c.merged_into IS NULL AND (c)-[:PERFORMED]->(:Interaction) RETURN c.id AS id ORDER BY id
