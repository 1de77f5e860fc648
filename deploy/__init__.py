"""A real multi-replica deployment on one machine: PostgreSQL, N `guideqa serve`, nginx (make cluster)."""
