// frozen copy (main 933468d, after the one-home issue), run by tests/oracle/scan.py
// name: friction-to-competitors
// Which friction points lead a persona's customers to competitors. For each friction F: the persona's customers
// exposed to F (an event in the period hit F while they were the persona; firstHit = the earliest such event), how
// many of them switched (a 'switch' event in (firstHit, firstHit + windowDays]; the competitor is that of their
// earliest such switch), rate = switched / exposed, baselineRate = among the persona's population (customers with
// an event in the period while they were the persona) minus the exposed, the share with any switch event in the
// period (null when that group is empty), lift = rate / baselineRate (null when the baseline is 0 or null), the
// Wilson 95% interval of rate (z = 1.959964) and the competitor breakdown.
// A customer is the persona at time t when a SHOWS assignment has weight > 0, since <= t (or no since) and
// t < until (or no until). Only events with since <= ts < until count (either bound open when null).
// Customers whose latest `analytics` consent refuses it (`analytics` in Customer.refused) are not part of the
// persona's population at all (nor exposed, switched or baseline): docs/privacy.md.
// Ordered by switched desc, lift desc (nulls last), friction code.
// params:
//   persona: Persona.code         persona code (required)
//   windowDays: int = 90          days after the first hit in which a switch counts
//   since: datetime = null        start of the period (inclusive), epoch ms or RFC 3339; null = open
//   until: datetime = null        end of the period (exclusive), epoch ms or RFC 3339; null = open
//   minExposed: int = 1           leave out frictions with fewer exposed customers
//   limit: int = 10               at most this many rows
// mode: read

MATCH (:Persona {code: $persona})<-[s:SHOWS]-(c:Customer)  // one pass over each persona customer's events
WITH c, collect(s) AS spans
WHERE NOT 'analytics' IN coalesce(c.refused, [])  // here, not above: there FalkorDB would scan every Customer
MATCH (c)-[:PERFORMED]->(i:Interaction)
WHERE ($since IS NULL OR i.ts >= $since) AND ($until IS NULL OR i.ts < $until)
WITH c, i, any(s IN spans WHERE s.weight > 0 AND (s.since IS NULL OR s.since <= i.ts)  // rule: shows-persona-at(s=s, t=i.ts)
                                AND (s.until IS NULL OR i.ts < s.until)) AS asPersona
WITH c,
     max(CASE WHEN asPersona THEN 1 ELSE 0 END) AS member,
     collect(CASE WHEN i.type = 'switch' THEN [i.ts, i.competitor, i.id] END) AS switches,
     collect(CASE WHEN asPersona AND size(coalesce(i.frictions, [])) > 0 THEN [i.ts, i.frictions] END) AS hits
WHERE member = 1

// 2. the population and its switchers, then one row per (exposed customer, friction) with the first hit
WITH collect({switches: switches, hits: hits}) AS population
WITH population, size(population) AS populationSize,
     size([m IN population WHERE size(m.switches) > 0]) AS populationSwitchers
UNWIND population AS m
WITH populationSize, populationSwitchers, m.switches AS switches, m.hits AS hits
UNWIND reduce(seen = [], h IN hits | seen + [f IN h[1] WHERE NOT f IN seen]) AS friction
WITH populationSize, populationSwitchers, switches, friction,
     reduce(first = null, h IN hits |
       CASE WHEN friction IN h[1] AND (first IS NULL OR h[0] < first) THEN h[0] ELSE first END) AS firstHit
WITH populationSize, populationSwitchers, friction, size(switches) > 0 AS everSwitched,
     reduce(earliest = null, sw IN switches |
       CASE WHEN sw[0] > firstHit AND sw[0] <= firstHit + $windowDays * 86400000
             AND (earliest IS NULL OR sw[0] < earliest[0] OR (sw[0] = earliest[0] AND sw[2] < earliest[2]))
            THEN sw ELSE earliest END) AS firstSwitch

// 3. per friction: exposed, switched and the competitors of the first switches
WITH populationSize, populationSwitchers, friction,
     count(*) AS exposed,
     count(firstSwitch) AS switched,
     sum(CASE WHEN everSwitched THEN 1 ELSE 0 END) AS exposedSwitchers,
     collect(firstSwitch[1]) AS switchedTo
WHERE exposed >= $minExposed
UNWIND (CASE WHEN size(switchedTo) = 0 THEN [null] ELSE switchedTo END) AS competitor
WITH populationSize, populationSwitchers, friction, exposed, switched, exposedSwitchers, competitor,
     count(competitor) AS customers
ORDER BY customers DESC, competitor
WITH populationSize, populationSwitchers, friction, exposed, switched, exposedSwitchers,
     collect(CASE WHEN competitor IS NOT NULL THEN {competitor: competitor, count: customers} END) AS competitors

// 4. rates, baseline, lift and the Wilson interval
WITH friction, exposed, switched, competitors, toFloat(switched) / exposed AS rate,
     populationSize - exposed AS unexposed, populationSwitchers - exposedSwitchers AS unexposedSwitchers,
     1.959964 AS z
WITH friction, exposed, switched, competitors, rate, z,
     CASE WHEN unexposed > 0 THEN toFloat(unexposedSwitchers) / unexposed END AS baselineRate,
     (rate + z * z / (2 * exposed)) / (1 + z * z / exposed) AS centre,
     z * sqrt(rate * (1 - rate) / exposed + z * z / (4 * exposed * exposed)) / (1 + z * z / exposed) AS half
WITH friction, exposed, switched, competitors, rate, baselineRate,
     CASE WHEN baselineRate > 0 THEN rate / baselineRate END AS lift,
     CASE WHEN centre - half < 0 THEN 0.0 ELSE centre - half END AS ciLow,
     CASE WHEN centre + half > 1 THEN 1.0 ELSE centre + half END AS ciHigh
RETURN friction, exposed, switched, rate, baselineRate, lift, ciLow, ciHigh, competitors
ORDER BY switched DESC, CASE WHEN lift IS NULL THEN 1 ELSE 0 END, lift DESC, friction
LIMIT $limit
