# Helpers shared by every rules file (input functions, target lists); no analysis logic.

TABLES = ["cases", "case_file", "behaviours"]
COHORTS = sorted(config["cohorts"])


def cohort_input_files(wildcards):
    """The three input files of one cohort, as named in config.yaml."""
    return {table: config["cohorts"][wildcards.cohort][table] for table in TABLES}


def all_outputs():
    """Every final output of the workflow, for rule all."""
    return expand(rules.validate_cohort.output.metadata, cohort=COHORTS)
