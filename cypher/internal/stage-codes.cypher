// name: stage-codes
// Every Stage key (name), in order.
// mode: read
// audience: internal

MATCH (n:Stage) RETURN n.name AS code ORDER BY code
