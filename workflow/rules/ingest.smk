# Ingest: validate a cohort's input files against the codebook and store them typed.


rule validate_cohort:
    input:
        unpack(cohort_input_files),
    output:
        cases="results/{cohort}/validated/cases.parquet",
        case_file="results/{cohort}/validated/case_file.parquet",
        behaviours="results/{cohort}/validated/behaviours.parquet",
        metadata="results/{cohort}/validated/cohort.json",
    log:
        "logs/{cohort}/validate_cohort.log",
    script:
        "../scripts/validate_cohort.py"
