// fragment: customers-page-window
// Part of the customer pages: from rows `c`, the sorted distinct ids, their number and the window between the cursors
// $after and $before (exclusive; null: open).

WITH DISTINCT c.id AS id ORDER BY id
WITH collect(id) AS ids
WITH ids, size([x IN ids WHERE $after IS NOT NULL AND x <= $after]) AS start,
     size(ids) - size([x IN ids WHERE $before IS NOT NULL AND x >= $before]) AS stop
RETURN size(ids) AS total, start, stop, ids[start..stop] AS window
