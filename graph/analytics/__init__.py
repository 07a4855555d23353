"""The questions the twin answers, one module per question; each runs one named query and shapes its rows."""
