// name: friction-to-competitors-live
// friction-to-competitors with windowDays = 90 over the whole history (no since/until), read from the live state
// (docs/graph-model.md "Live state") instead of the interactions: the same rows, at a cost that grows with the
// answer, not with the history. PersonaStat holds the persona's population and its switchers; FrictionStat per
// friction the exposed customers, those who switched within 90 days of their first hit and those who ever switched;
// CompetitorStat the competitors of the first switches. Rates, baseline, lift and the Wilson 95% interval as in
// friction-to-competitors. Customers who refuse `analytics` are not counted (docs/privacy.md).
// Ordered by switched desc, lift desc (nulls last), friction code.
// params:
//   persona: Persona.code         persona code (required)
//   minExposed: int = 1           leave out frictions with fewer exposed customers
//   limit: int = 10               at most this many rows
// mode: read

OPTIONAL MATCH (ps:PersonaStat {persona: $persona})
WITH coalesce(ps.customers, 0) AS populationSize, coalesce(ps.switchers, 0) AS populationSwitchers
MATCH (fs:FrictionStat {persona: $persona})
WHERE fs.exposed >= $minExposed
OPTIONAL MATCH (cs:CompetitorStat {persona: $persona, friction: fs.friction})
WITH populationSize, populationSwitchers, fs, cs
ORDER BY cs.customers DESC, cs.competitor
WITH populationSize, populationSwitchers, fs.friction AS friction, fs.exposed AS exposed, fs.switched AS switched,
     fs.exposed_switchers AS exposedSwitchers,
     collect(CASE WHEN cs IS NOT NULL THEN {competitor: cs.competitor, count: cs.customers} END) AS competitors

// rates, baseline, lift and the Wilson interval, as friction-to-competitors computes them
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
