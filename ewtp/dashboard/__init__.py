"""The hub operator's dashboard: figures aggregated in the database, drawn as inline SVG."""
