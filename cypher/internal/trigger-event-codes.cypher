// name: trigger-event-codes
// Every TriggerEvent key (code), in order.
// mode: read
// audience: internal

MATCH (n:TriggerEvent) RETURN n.code AS code ORDER BY code
