# Release: the disclosure gate turns the internal results table into the release results table
# (before anything is rendered); the manifest lists every released file for the output checker.


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


rule release_manifest:
    input:
        unpack(release_files),
    output:
        json=f"{RELEASE}/manifest.json",
        markdown=report(
            f"{RELEASE}/manifest.md",
            caption=caption("manifest"),
            category="{cohort}",
            subcategory="Release manifest",
        ),
    log:
        "logs/{cohort}/release_manifest.log",
    params:
        release_dir=RELEASE,
        not_released=NOT_RELEASED,
    script:
        "../scripts/release_manifest.py"
