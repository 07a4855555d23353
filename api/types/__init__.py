"""GraphQL types: views of graph rows (catalog, the customer twin, the questions, the mutations' inputs)."""
