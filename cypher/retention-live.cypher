// name: retention-live
// retention read from the customers' live-state Timelines (docs/graph-model.md "Facts") instead of their
// interactions: the same row for every argument. start(c) is the first position of cohortEvent's value, the returns
// the positions of returnEvent's (key=value properties, `%` and the backtick written %25 and %60: see funnel-live),
// and asOf the latest ts of the Timelines not after now.
//
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

// per counted customer: start(c), the ts of its first event matching cohortEvent, and the ts of every event matching
// returnEvent, from the positions of the matchers' values (a multi-key matcher: the first key's positions that every
// other key's list holds too)
MATCH (c:Customer)-[:HAS_TIMELINE]->(t:Timeline)
WHERE c.merged_into IS NULL AND NOT 'analytics' IN coalesce(c.refused, [])
WITH c, t, t.ts AS ts,
     [k IN keys($cohortEvent) WHERE $cohortEvent[k] IS NOT NULL |
        k + '=' + replace(replace($cohortEvent[k], '%', '%25'), '`', '%60')] AS cohort,  // rule: timeline-position-name(k=k, v=$cohortEvent[k])
     [k IN keys($returnEvent) WHERE $returnEvent[k] IS NOT NULL |
        k + '=' + replace(replace($returnEvent[k], '%', '%25'), '`', '%60')] AS back  // rule: timeline-position-name(k=k, v=$returnEvent[k])
WITH c, ts, [p IN coalesce(t[cohort[0]], []) WHERE all(name IN tail(cohort) WHERE p IN coalesce(t[name], []))] AS opens,
     [p IN coalesce(t[back[0]], []) WHERE all(name IN tail(back) WHERE p IN coalesce(t[name], []))] AS comes_back
WITH c, CASE WHEN size(opens) > 0 THEN ts[opens[0]] END AS start, [p IN comes_back | ts[p]] AS returns
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
// asOf in a subquery: every customer's Timeline (refusers' too: consent is not considered), its latest ts not
// after now (the last one, unless the Timeline reaches into the future)
CALL {
  OPTIONAL MATCH (t:Timeline)
  WHERE $asOf IS NULL
  WITH t, timestamp() AS now
  WITH max(CASE WHEN last(t.ts) <= now THEN last(t.ts)
                ELSE reduce(m = null, x IN t.ts | CASE WHEN x <= now THEN x ELSE m END) END) AS latest
  RETURN coalesce($asOf, latest, timestamp()) AS asOf
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
