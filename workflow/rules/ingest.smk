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


# Where the coders of the double-coded case files disagreed (case id and field, never a code),
# for them to resolve: internal only, never released.
rule coding_disagreements:
    input:
        codings=rules.validate_cohort.output.codings,
        metadata=rules.validate_cohort.output.metadata,
    output:
        csv=f"{INTERNAL}/coding_disagreements.csv",
    log:
        "logs/{cohort}/coding_disagreements.log",
    script:
        "../scripts/coding_disagreements.py"
