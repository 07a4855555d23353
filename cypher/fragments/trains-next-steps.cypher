// fragment: trains-next-steps
// The analytics consent rule for the next-step model's training data: customer c's chains count unless c refused
// analytics; the customer asked about ($customer) always counts for themself.

(c.id = $customer OR NOT 'analytics' IN coalesce(c.refused, []))
