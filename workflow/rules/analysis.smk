# Analysis: run every registered analysis on a validated cohort, then stack their rows into the
# cohort's one long results table (internal: not checked for release).


rule run_analysis:
    input:
        cases=rules.validate_cohort.output.cases,
        case_file=rules.validate_cohort.output.case_file,
        behaviours=rules.validate_cohort.output.behaviours,
        metadata=rules.validate_cohort.output.metadata,
        codings=rules.validate_cohort.output.codings,
    output:
        results=f"{INTERNAL}/analyses/{{analysis}}.parquet",
    log:
        "logs/{cohort}/analysis_{analysis}.log",
    params:
        settings=analysis_config,
    script:
        "../scripts/run_analysis.py"


rule results_table:
    input:
        parts=analysis_parts,
    output:
        parquet=f"{INTERNAL}/results_table.parquet",
        csv=f"{INTERNAL}/results_table.csv",
    log:
        "logs/{cohort}/results_table.log",
    params:
        p_adjust=config["p_adjust"],
    script:
        "../scripts/combine_results.py"
