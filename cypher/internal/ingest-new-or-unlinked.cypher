// name: ingest-new-or-unlinked
// Of these event ids: those not in the graph yet, and the customers holding one of the others without a journey (left
// by a job killed between a merge and its batch).
// params:
//   ids: list                    event ids
// mode: read
// audience: internal

UNWIND $ids AS id OPTIONAL MATCH (i:Interaction {id: id})
WITH id, i WHERE i IS NULL OR i.journey_id IS NULL
RETURN collect(CASE WHEN i IS NULL THEN id END) AS new, collect(i.customer_id) AS unlinked
