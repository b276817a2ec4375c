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
