// name: stats-relationships
// How many relationships of each ontology type the graph holds, one row per type (GraphStore.stats).
// mode: read
// audience: internal

MATCH ()-[r:IDENTIFIES]->() RETURN 'IDENTIFIES' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:SHOWS]->() RETURN 'SHOWS' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:HAS_INSIGHT]->() RETURN 'HAS_INSIGHT' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:PERFORMED]->() RETURN 'PERFORMED' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:AT]->() RETURN 'AT' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:ON]->() RETURN 'ON' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:IN_STAGE]->() RETURN 'IN_STAGE' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:TOOK]->() RETURN 'TOOK' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:INCLUDES]->() RETURN 'INCLUDES' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:NEXT]->() RETURN 'NEXT' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:HIT]->() RETURN 'HIT' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:OCCURS_AT]->() RETURN 'OCCURS_AT' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:TRIGGERED]->() RETURN 'TRIGGERED' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:SUGGESTS]->() RETURN 'SUGGESTS' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:ABOUT]->() RETURN 'ABOUT' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:SWITCHED_TO]->() RETURN 'SWITCHED_TO' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:OWNS]->() RETURN 'OWNS' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:GAVE]->() RETURN 'GAVE' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:EMBEDS]->() RETURN 'EMBEDS' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:ACTIVE_AS]->() RETURN 'ACTIVE_AS' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:EXPOSED_TO]->() RETURN 'EXPOSED_TO' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:MEMBER_OF]->() RETURN 'MEMBER_OF' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:HAS_TIMELINE]->() RETURN 'HAS_TIMELINE' AS type, count(r) AS n
