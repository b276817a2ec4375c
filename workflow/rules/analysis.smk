# Analysis: run every registered analysis on a validated cohort, then stack their rows into the
# cohort's one long results table.


rule run_analysis:
    input:
        cases=rules.validate_cohort.output.cases,
        case_file=rules.validate_cohort.output.case_file,
        behaviours=rules.validate_cohort.output.behaviours,
        metadata=rules.validate_cohort.output.metadata,
    output:
        results="results/{cohort}/analyses/{analysis}.parquet",
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
        parquet="results/{cohort}/results_table.parquet",
        csv=report(
            "results/{cohort}/results_table.csv",
            caption="../report/results_table.rst",
            category="{cohort}",
            subcategory="Results table",
        ),
    log:
        "logs/{cohort}/results_table.log",
    script:
        "../scripts/combine_results.py"
