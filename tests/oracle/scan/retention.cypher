// name: retention
// Retention cohorts: start(c) = the ts of c's first event matching cohortEvent (among all its events). c takes part
// when since <= start(c) < until and, with a persona, c is the persona at start(c) (a SHOWS with weight > 0,
// since <= t or no since, t < until or no until). c's cohort is the UTC day, ISO week (Monday 00:00 UTC) or calendar
// month (the 1st, 00:00 UTC) containing start(c). For n = 1..periods, with L = 1, 7 or 30 days (DAY, WEEK, MONTH):
// eligible(n) = the cohort's customers with start(c) + (n+1)L <= asOf; retained(n) = those of them with an event
// matching returnEvent in [start(c) + nL, start(c) + (n+1)L) (return events are not filtered by since, until or
// persona). asOf = the parameter, else the latest interaction ts of the twin not after now (all customers).
// A step matcher is a map with some of the keys touchpoint, type, stage, channel, outcome; an event matches when
// each given key's interaction property is not null and equals the value (a key given as null counts as absent).
// Customers who refused `analytics` (in Customer.refused) are left out: docs/privacy.md.
// One row: `asOf` and `cohorts` ({start, size, periods: [{n, eligible, retained}]}, by start; empty ones left out).
// params:
//   cohortEvent: map              step matcher of the event that starts a customer's cohort, e.g. {type: 'signup'}
//   returnEvent: map              step matcher of the event that counts as a return, e.g. {type: 'purchase'}
//   period: string = "WEEK"       DAY, WEEK or MONTH (cohorts by calendar month, periods of 30 days)
//   periods: int = 8              how many periods after the cohort's (1 to 52)
//   since: datetime = null        start(c) at or after this (inclusive), epoch ms or RFC 3339; null = open
//   until: datetime = null        start(c) before this (exclusive), epoch ms or RFC 3339; null = open
//   persona: Persona.code = null  persona code the customer must be at start(c); null = every customer
//   asOf: datetime = null         the moment the answer is computed for; null = the latest interaction until now
// returns: asOf: datetime, cohorts.start: datetime
// mode: read

// one pass over each counted customer's events, grouped by the customer alone: start(c) and the ts of every event
// matching returnEvent. Only a matcher's given keys are read, as [key, value] pairs made once per customer and
// tested in a projection before the grouping (x[k]: FalkorDB pays for every property, test and map lookup per
// event; a null property never equals, so it fails the key; a key given as null counts as absent)
MATCH (c:Customer)
WHERE c.merged_into IS NULL AND NOT 'analytics' IN coalesce(c.refused, [])
WITH c, [k IN keys($cohortEvent) WHERE $cohortEvent[k] IS NOT NULL | [k, $cohortEvent[k]]] AS cohort,
     [k IN keys($returnEvent) WHERE $returnEvent[k] IS NOT NULL | [k, $returnEvent[k]]] AS back
MATCH (c)-[:PERFORMED]->(x:Interaction)
WITH c, x.ts AS ts, all(m IN cohort WHERE x[m[0]] = m[1]) AS opens,
     all(m IN back WHERE x[m[0]] = m[1]) AS comes_back
WITH c, min(CASE WHEN opens THEN ts END) AS start, collect(CASE WHEN comes_back THEN ts END) AS returns
WHERE start IS NOT NULL AND ($since IS NULL OR start >= $since) AND ($until IS NULL OR start < $until)
// (a pattern comprehension FalkorDB evaluates in a projection, not in a WHERE)
WITH start, returns,
     $persona IS NULL OR any(s IN [(c)-[s:SHOWS]->(:Persona {code: $persona}) | s]
                             WHERE s.weight > 0 AND (s.since IS NULL OR s.since <= start)  // rule: shows-persona-at(s=s, t=start)
                               AND (s.until IS NULL OR start < s.until)) AS member
WHERE member
// the cohort: the day number (floored for any sign), then the ISO week's Monday or the month's 1st (civil calendar
// from the day number, H. Hinnant's days_from_civil inverse)
WITH start, returns, (start - ((start % 86400000) + 86400000) % 86400000) / 86400000 AS day,
     CASE $period WHEN 'DAY' THEN 1 WHEN 'MONTH' THEN 30 ELSE 7 END * 86400000 AS length
WITH start, returns, day, length, day + 719468 - ((day + 719468) / 146097) * 146097 AS doe
WITH start, returns, day, length, doe, (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365 AS yoe
WITH start, returns, day, length, doe - (365 * yoe + yoe / 4 - yoe / 100) AS doy
// each member as [cohort, start, L, the periods n in 1..periods holding a return event: [start + nL, start + (n+1)L)];
// a collect without a grouping key gives one row even with no member, so the answer always carries asOf
WITH collect([
       CASE $period
         WHEN 'DAY' THEN day
         WHEN 'MONTH' THEN day - (doy - (153 * ((5 * doy + 2) / 153) + 2) / 5)
         ELSE day - ((day + 3) % 7 + 7) % 7 END * 86400000,
       start, length,
       [r IN returns WHERE r >= start + length AND r < start + ($periods + 1) * length | (r - start) / length]])
       AS members
// asOf in a subquery: an aggregation after the collect would hash `members` once per interaction
CALL {
  OPTIONAL MATCH (latest:Interaction)
  WHERE $asOf IS NULL AND latest.ts <= timestamp()
  RETURN coalesce($asOf, max(latest.ts), timestamp()) AS asOf
}
UNWIND (CASE WHEN size(members) = 0 THEN [null] ELSE members END) AS m
UNWIND (CASE WHEN m IS NULL THEN [null] ELSE range(1, $periods) END) AS n
WITH asOf, m[0] AS cohort, n, count(m) AS size,
     toInteger(sum(CASE WHEN m[1] + (n + 1) * m[2] <= asOf THEN 1 ELSE 0 END)) AS eligible,
     toInteger(sum(CASE WHEN m[1] + (n + 1) * m[2] <= asOf AND n IN m[3] THEN 1 ELSE 0 END)) AS retained
ORDER BY cohort, n
WITH asOf, cohort, size, collect({n: n, eligible: eligible, retained: retained}) AS periods
ORDER BY cohort
RETURN asOf, collect(CASE WHEN cohort IS NOT NULL THEN {start: cohort, size: size, periods: periods} END) AS cohorts
