"""The trust boundary: everything candidate code meets or that decides what it earned (sandbox, limits,
kernels, bridge, staging, the grading steps). It imports nothing of the kit but `autograde.layout`, so a
security reviewer can read it alone; docs/THREAT_MODEL.md says what may cross and why it cannot be forged."""
