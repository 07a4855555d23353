// fragment: decided-by-at
// A consent decision `k` counts as of $at (epoch ms; null: every decision counts): from its ts on; an undated one
// always.

($at IS NULL OR k.ts IS NULL OR k.ts <= $at)
