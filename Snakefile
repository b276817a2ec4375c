# tahsb-analysis: the workflow's index. Logic lives in src/tahsb_analysis/; rules live in
# workflow/rules/; paths live here and in the rules, never in the package.
from snakemake.utils import min_version, validate

# Snakemake's validate() imports jsonschema: import it first without the grammars of the IRI
# format checkers, which no schema here uses (0.7 s of every run, even a no-op).
import tahsb_analysis.json_schema

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/release.smk"
include: "workflow/rules/render.smk"
include: "workflow/rules/compare.smk"


wildcard_constraints:
    cohort="|".join(COHORTS),


rule all:
    input:
        all_outputs(),
    default_target: True
