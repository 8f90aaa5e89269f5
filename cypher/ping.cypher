// Readiness and liveness: a real query, not just an open port.
RETURN 1 AS ok
