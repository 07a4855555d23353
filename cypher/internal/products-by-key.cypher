// name: products-by-key
// Product nodes by their key (code), one row per key found.
// params:
//   keys: list                   Product.code values
// mode: read
// audience: internal

UNWIND $keys AS k MATCH (n:Product {code: k}) RETURN k, n
