"""Compare: a cohort against the published study (replication register) and against other
cohorts (cohort comparison)."""
