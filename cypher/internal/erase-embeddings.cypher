// name: erase-embeddings
// Deletes the embeddings that embed only interactions of $all (those linked to $events, one batch of them); how many.
// params:
//   events: list                 interaction ids, one batch
//   all: list                    every interaction id of the person
// mode: write
// audience: internal

UNWIND $events AS eid MATCH (:Interaction {id: eid})<-[:EMBEDS]-(e:Embedding) WITH DISTINCT e
OPTIONAL MATCH (e)-[:EMBEDS]->(other) WHERE NOT (other:Interaction AND other.id IN $all)
WITH e, count(other) AS others WHERE others = 0 DETACH DELETE e RETURN count(*) AS n
