"""Root resolvers: thin functions that check the caller's role, validate arguments and call `graph/` (or the doors)."""
