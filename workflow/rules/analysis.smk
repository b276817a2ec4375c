# Analysis: run every registered analysis on a validated cohort and stack their rows into the
# cohort's one long results table (internal: not checked for release). One job per cohort: the
# analyses take seconds together, and a job per analysis paid Python's start-up and the
# scientific stack's imports once for each (issue #19).


rule results_table:
    input:
        cases=rules.validate_cohort.output.cases,
        case_file=rules.validate_cohort.output.case_file,
        behaviours=rules.validate_cohort.output.behaviours,
        metadata=rules.validate_cohort.output.metadata,
        codings=rules.validate_cohort.output.codings,
    output:
        parquet=f"{INTERNAL}/results_table.parquet",
        csv=f"{INTERNAL}/results_table.csv",
    log:
        "logs/{cohort}/results_table.log",
    params:
        settings=analysis_config,
    script:
        "../scripts/results_table.py"
