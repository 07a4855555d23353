// name: clear-some
// Deletes up to 50,000 nodes with their relationships (GraphStore.clear repeats it until none is left).
// mode: write
// audience: internal

MATCH (n) WITH n LIMIT 50000 DETACH DELETE n RETURN count(*) AS n
