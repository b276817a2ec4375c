# Ingest: validate a cohort's input files against the codebook and store them typed. The typed
# tables hold one row per child: they stay in the internal tier.


rule validate_cohort:
    input:
        unpack(cohort_input_files),
        codebook=CODEBOOK_FILE,
        coders=coder_input_files,
    output:
        cases=f"{INTERNAL}/validated/cases.parquet",
        case_file=f"{INTERNAL}/validated/case_file.parquet",
        behaviours=f"{INTERNAL}/validated/behaviours.parquet",
        metadata=f"{INTERNAL}/validated/cohort.json",
        codings=f"{INTERNAL}/validated/double_coding.parquet",
    log:
        "logs/{cohort}/validate_cohort.log",
    params:
        double_coding=double_coding,
    script:
        "../scripts/validate_cohort.py"

