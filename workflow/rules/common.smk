# Helpers shared by the rule files: input functions and target lists. No analysis logic here.

TABLES = ["cases", "case_file", "behaviours"]
COHORTS = sorted(config["cohorts"])


wildcard_constraints:
    cohort="|".join(COHORTS),


def cohort_input_files(wildcards):
    """The three input files of one cohort, as named in config.yaml."""
    return {table: config["cohorts"][wildcards.cohort][table] for table in TABLES}


def all_outputs():
    """Every final output of the workflow, for rule all."""
    return expand(rules.validate_cohort.output.metadata, cohort=COHORTS)
