# Release: the disclosure gate turns the internal results table into the release results table
# (before anything is rendered). The release tier's manifest is written by render_release
# (workflow/rules/render.smk), after every file it lists.


rule disclosure_gate:
    input:
        results=rules.results_table.output.parquet,
        policy=config["disclosure_policy"],
    output:
        parquet=f"{RELEASE}/results_table.parquet",
        csv=report(
            f"{RELEASE}/results_table.csv",
            caption=caption("results_table"),
            category="{cohort}",
            subcategory="Results table",
        ),
        summary=f"{RELEASE}/disclosure.json",
        cells=f"{INTERNAL}/disclosure_cells.csv",
    params:
        preset=config.get("disclosure_preset"),
    log:
        "logs/{cohort}/disclosure_gate.log",
    script:
        "../scripts/disclosure_gate.py"

