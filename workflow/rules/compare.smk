# Compare: every cohort side by side with the reference cohort (and with the published aggregate
# cohorts named in config.yaml), per tier. The release comparison reads only release tables, so
# it cannot reveal a suppressed count; its own manifest lists its files for the output checker.


rule compare_cohorts:
    input:
        tables=expand(rules.results_table.output.parquet, cohort=COMPARED_COHORTS),
        metadata=expand(rules.validate_cohort.output.metadata, cohort=COMPARED_COHORTS),
        policy=config["disclosure_policy"],
    output:
        parquet=f"{INTERNAL_COMPARISON}/comparison_table.parquet",
        csv=f"{INTERNAL_COMPARISON}/comparison_table.csv",
        side_by_side=f"{INTERNAL_COMPARISON}/replication_side_by_side.csv",
        figures=expand(
            f"{INTERNAL_COMPARISON}/figures/comparison_{{section}}.png", section=SECTIONS
        ),
        screens=expand(
            f"{INTERNAL_COMPARISON}/figures/comparison_{{section}}.screen.png", section=SECTIONS
        ),
        # each forest plot's vector files and words, beside its PNG (render/figures/output.py)
        figure_files=expand(
            f"{INTERNAL_COMPARISON}/figures/comparison_{{section}}.{{suffix}}",
            section=SECTIONS,
            suffix=FIGURE_SIBLINGS,
        ),
        report=f"{INTERNAL_COMPARISON}/report.html",
    log:
        "logs/comparison/compare_cohorts_internal.log",
    params:
        settings=comparison_settings,
    script:
        "../scripts/compare_cohorts.py"


use rule compare_cohorts as compare_release_cohorts with:
    input:
        tables=expand(rules.disclosure_gate.output.parquet, cohort=COMPARED_COHORTS),
        metadata=expand(rules.validate_cohort.output.metadata, cohort=COMPARED_COHORTS),
        policy=config["disclosure_policy"],
    output:
        parquet=f"{RELEASE_COMPARISON}/comparison_table.parquet",
        csv=report(
            f"{RELEASE_COMPARISON}/comparison_table.csv",
            caption=caption("comparison_table"),
            category="Cohort comparison",
        ),
        side_by_side=f"{RELEASE_COMPARISON}/replication_side_by_side.csv",
        figures=[
            report(
                f"{RELEASE_COMPARISON}/figures/comparison_{section}.png",
                caption=caption("comparison_figure"),
                category="Cohort comparison",
            )
            for section in SECTIONS
        ],
        screens=expand(
            f"{RELEASE_COMPARISON}/figures/comparison_{{section}}.screen.png", section=SECTIONS
        ),
        # each forest plot's vector files and words, beside its PNG (render/figures/output.py)
        figure_files=expand(
            f"{RELEASE_COMPARISON}/figures/comparison_{{section}}.{{suffix}}",
            section=SECTIONS,
            suffix=FIGURE_SIBLINGS,
        ),
        report=report(
            f"{RELEASE_COMPARISON}/report.html",
            caption=caption("comparison_report"),
            category="Cohort comparison",
        ),
        manifest=f"{RELEASE_COMPARISON}/manifest.json",
        manifest_markdown=f"{RELEASE_COMPARISON}/manifest.md",
    log:
        "logs/comparison/compare_cohorts_release.log",
