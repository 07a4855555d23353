// name: retention
// Retention cohorts: start(c) = the ts of c's first event matching cohortEvent (among all its events). c takes part
// when since <= start(c) < until and, with a persona, c is the persona at start(c) (a SHOWS with weight > 0,
// since <= t or no since, t < until or no until). c's cohort is the UTC day, ISO week (Monday 00:00 UTC) or calendar
// month (the 1st, 00:00 UTC) containing start(c). For n = 1..periods, with L = 1, 7 or 30 days (DAY, WEEK, MONTH):
// eligible(n) = the cohort's customers with start(c) + (n+1)L <= asOf; retained(n) = those of them with an event
// matching returnEvent in [start(c) + nL, start(c) + (n+1)L) (return events are not filtered by since, until or
// persona). asOf = the parameter, else the latest interaction ts of the twin not after now (all customers).
// A step matcher is a map with some of the keys touchpoint, type, stage, channel, outcome; an event matches when
// each given key's interaction property is not null and equals the value.
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

OPTIONAL MATCH (latest:Interaction)
WHERE $asOf IS NULL AND latest.ts <= timestamp()
WITH coalesce($asOf, max(latest.ts), timestamp()) AS asOf,
     CASE $period WHEN 'DAY' THEN 1 WHEN 'MONTH' THEN 30 ELSE 7 END * 86400000 AS length
// from here on no clause may drop every row: the answer carries asOf even without a cohort, so customers that do
// not take part are flagged, not filtered, until the last collect
OPTIONAL MATCH (c:Customer)-[:PERFORMED]->(x:Interaction)
WHERE ($cohortEvent.touchpoint IS NULL OR x.touchpoint = $cohortEvent.touchpoint)
  AND ($cohortEvent.type IS NULL OR x.type = $cohortEvent.type)
  AND ($cohortEvent.stage IS NULL OR x.stage = $cohortEvent.stage)
  AND ($cohortEvent.channel IS NULL OR x.channel = $cohortEvent.channel)
  AND ($cohortEvent.outcome IS NULL OR x.outcome = $cohortEvent.outcome)
WITH asOf, length, c, min(x.ts) AS start
WITH asOf, length, c, start,
     c IS NOT NULL AND c.merged_into IS NULL AND NOT 'analytics' IN coalesce(c.refused, [])
       AND ($since IS NULL OR start >= $since) AND ($until IS NULL OR start < $until) AS candidate
OPTIONAL MATCH (c)-[s:SHOWS]->(:Persona {code: $persona})
WHERE candidate AND s.weight > 0
WITH asOf, length, c, start, candidate, collect(CASE WHEN s IS NOT NULL THEN [s.since, s.until] END) AS spans
WITH asOf, length, c, start,
     candidate AND ($persona IS NULL OR any(span IN spans WHERE (span[0] IS NULL OR span[0] <= start)
                                                           AND (span[1] IS NULL OR start < span[1]))) AS member
// the cohort: the day number (floored for any sign), then the ISO week's Monday or the month's 1st (civil calendar
// from the day number, H. Hinnant's days_from_civil inverse)
WITH asOf, length, c, start, member,
     CASE WHEN member THEN (start - ((start % 86400000) + 86400000) % 86400000) / 86400000 END AS day
WITH asOf, length, c, start, member, day, day + 719468 AS z
WITH asOf, length, c, start, member, day, z - (z / 146097) * 146097 AS doe
WITH asOf, length, c, start, member, day, doe, (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365 AS yoe
WITH asOf, length, c, start, member, day, doe - (365 * yoe + yoe / 4 - yoe / 100) AS doy
WITH asOf, length, c, start, member,
     CASE $period
       WHEN 'DAY' THEN day
       WHEN 'MONTH' THEN day - (doy - (153 * ((5 * doy + 2) / 153) + 2) / 5)
       ELSE day - ((day + 3) % 7 + 7) % 7 END * 86400000 AS cohort
OPTIONAL MATCH (c)-[:PERFORMED]->(r:Interaction)
WHERE member AND r.ts >= start + length AND r.ts < start + ($periods + 1) * length
  AND ($returnEvent.touchpoint IS NULL OR r.touchpoint = $returnEvent.touchpoint)
  AND ($returnEvent.type IS NULL OR r.type = $returnEvent.type)
  AND ($returnEvent.stage IS NULL OR r.stage = $returnEvent.stage)
  AND ($returnEvent.channel IS NULL OR r.channel = $returnEvent.channel)
  AND ($returnEvent.outcome IS NULL OR r.outcome = $returnEvent.outcome)
WITH asOf, length, c, start, member, cohort, collect(DISTINCT (r.ts - start) / length) AS returnedIn
WITH asOf, collect(CASE WHEN member THEN [cohort, start, returnedIn, length] END) AS members
// no member still gives the one row that carries asOf
UNWIND (CASE WHEN size(members) = 0 THEN [null] ELSE members END) AS m
UNWIND (CASE WHEN m IS NULL THEN [null] ELSE range(1, $periods) END) AS n
WITH asOf, m[0] AS cohort, n, count(m) AS size,
     toInteger(sum(CASE WHEN m[1] + (n + 1) * m[3] <= asOf THEN 1 ELSE 0 END)) AS eligible,
     toInteger(sum(CASE WHEN m[1] + (n + 1) * m[3] <= asOf AND n IN m[2] THEN 1 ELSE 0 END)) AS retained
ORDER BY cohort, n
WITH asOf, cohort, size, collect({n: n, eligible: eligible, retained: retained}) AS periods
ORDER BY cohort
RETURN asOf, collect(CASE WHEN cohort IS NOT NULL THEN {start: cohort, size: size, periods: periods} END) AS cohorts
