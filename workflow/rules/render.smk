# Render: tables and figures drawn from a cohort's results table, nothing computed here.
# One job per cohort for each, so that the plotting stack is imported once.


rule render_tables:
    input:
        results=rules.results_table.output.parquet,
    output:
        csv=expand("results/{{cohort}}/tables/{table}.csv", table=TABLE_OUTPUTS),
        markdown=expand("results/{{cohort}}/tables/{table}.md", table=TABLE_OUTPUTS),
        html=[
            report(
                f"results/{{cohort}}/tables/{table}.html",
                caption=f"../report/table_{table}.rst",
                category="{cohort}",
                subcategory="Tables",
            )
            for table in TABLE_OUTPUTS
        ],
    log:
        "logs/{cohort}/render_tables.log",
    params:
        tables=TABLE_OUTPUTS,
    script:
        "../scripts/render_tables.py"


rule render_figures:
    input:
        results=rules.results_table.output.parquet,
    output:
        png=[
            report(
                f"results/{{cohort}}/figures/{figure}.png",
                caption=f"../report/figure_{figure}.rst",
                category="{cohort}",
                subcategory="Figures",
            )
            for figure in FIGURES
        ],
        svg=expand("results/{{cohort}}/figures/{figure}.svg", figure=FIGURES),
        pdf=expand("results/{{cohort}}/figures/{figure}.pdf", figure=FIGURES),
        alt_text=expand("results/{{cohort}}/figures/{figure}.alt.txt", figure=FIGURES),
        caption=expand("results/{{cohort}}/figures/{figure}.caption.txt", figure=FIGURES),
    log:
        "logs/{cohort}/render_figures.log",
    params:
        figures=FIGURES,
    script:
        "../scripts/render_figures.py"


# The swimmer plot shows individual children (no case ids), so it is drawn from the validated
# cohort rather than the results table, and is for the analyst only: never for release.
rule render_timelines:
    input:
        cases=rules.validate_cohort.output.cases,
        case_file=rules.validate_cohort.output.case_file,
        behaviours=rules.validate_cohort.output.behaviours,
        metadata=rules.validate_cohort.output.metadata,
    output:
        png=report(
            "results/{cohort}/figures/dual_timelines.png",
            caption="../report/figure_dual_timelines.rst",
            category="{cohort}",
            subcategory="Internal only (individual-level)",
        ),
        svg="results/{cohort}/figures/dual_timelines.svg",
        pdf="results/{cohort}/figures/dual_timelines.pdf",
        alt_text="results/{cohort}/figures/dual_timelines.alt.txt",
        caption="results/{cohort}/figures/dual_timelines.caption.txt",
    log:
        "logs/{cohort}/render_timelines.log",
    script:
        "../scripts/render_timelines.py"
