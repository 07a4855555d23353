// name: ocel-customers
// A page of customers for the OCEL export (after $after in id order; merged customers and analytics refusers left out)
// with every persona assignment.
// params:
//   after: string                the last id of the previous page
//   page: int                    customers per page
// mode: read
// audience: internal

MATCH (c:Customer) WHERE c.id > $after AND c.merged_into IS NULL AND NOT 'analytics' IN coalesce(c.refused, [])
WITH c ORDER BY c.id LIMIT $page
OPTIONAL MATCH (c)-[s:SHOWS]->(p:Persona)
RETURN c.id AS id, c.relationship_stage AS stage,
       collect(CASE WHEN p IS NOT NULL THEN [p.code, s.weight, s.since, s.until] END) AS personas
ORDER BY id
