// name: product-codes
// Every Product key (code), in order.
// mode: read
// audience: internal

MATCH (n:Product) RETURN n.code AS code ORDER BY code
