# Render: tables and figures drawn from a cohort's results table, nothing computed here. Each
# rule runs once per tier: the internal tier renders the internal results table; the release
# tier (the same rule, reused) renders the table that passed the disclosure gate. Only release
# outputs are marked for `snakemake --report`: each table's HTML and the tier's workbook (the
# .docx and .tex of each table stay beside them, for a paper rather than a report). One job per cohort and tier, so that the
# plotting stack is imported once.


rule render_tables:
    input:
        results=rules.results_table.output.parquet,
    output:
        csv=expand(f"{INTERNAL}/tables/{{table}}.csv", table=TABLE_OUTPUTS, cohort="{cohort}"),
        markdown=expand(f"{INTERNAL}/tables/{{table}}.md", table=TABLE_OUTPUTS, cohort="{cohort}"),
        html=expand(f"{INTERNAL}/tables/{{table}}.html", table=TABLE_OUTPUTS, cohort="{cohort}"),
        latex=expand(f"{INTERNAL}/tables/{{table}}.tex", table=TABLE_OUTPUTS, cohort="{cohort}"),
        docx=expand(f"{INTERNAL}/tables/{{table}}.docx", table=TABLE_OUTPUTS, cohort="{cohort}"),
        workbook=f"{INTERNAL}/tables/tables.xlsx",
    log:
        "logs/{cohort}/render_tables_internal.log",
    params:
        tables=TABLE_OUTPUTS,
    script:
        "../scripts/render_tables.py"


use rule render_tables as render_release_tables with:
    input:
        results=rules.disclosure_gate.output.parquet,
    output:
        csv=expand(f"{RELEASE}/tables/{{table}}.csv", table=RELEASE_TABLE_OUTPUTS, cohort="{cohort}"),
        markdown=expand(f"{RELEASE}/tables/{{table}}.md", table=RELEASE_TABLE_OUTPUTS, cohort="{cohort}"),
        html=[
            report(
                f"{RELEASE}/tables/{table}.html",
                caption=caption(table),
                category="{cohort}",
                subcategory="Tables",
            )
            for table in RELEASE_TABLE_OUTPUTS
        ],
        latex=expand(f"{RELEASE}/tables/{{table}}.tex", table=RELEASE_TABLE_OUTPUTS, cohort="{cohort}"),
        docx=expand(f"{RELEASE}/tables/{{table}}.docx", table=RELEASE_TABLE_OUTPUTS, cohort="{cohort}"),
        # the one Word/LaTeX-free download of every table: in the report beside the HTML ones
        workbook=report(
            f"{RELEASE}/tables/tables.xlsx",
            caption=caption("tables_workbook"),
            category="{cohort}",
            subcategory="Tables",
        ),
    log:
        "logs/{cohort}/render_tables_release.log",
    params:
        tables=RELEASE_TABLE_OUTPUTS,


rule render_figures:
    input:
        results=rules.results_table.output.parquet,
    output:
        png=expand(f"{INTERNAL}/figures/{{figure}}.png", figure=FIGURES, cohort="{cohort}"),
        screen=expand(f"{INTERNAL}/figures/{{figure}}.screen.png", figure=FIGURES, cohort="{cohort}"),
        svg=expand(f"{INTERNAL}/figures/{{figure}}.svg", figure=FIGURES, cohort="{cohort}"),
        pdf=expand(f"{INTERNAL}/figures/{{figure}}.pdf", figure=FIGURES, cohort="{cohort}"),
        alt_text=expand(f"{INTERNAL}/figures/{{figure}}.alt.txt", figure=FIGURES, cohort="{cohort}"),
        caption=expand(f"{INTERNAL}/figures/{{figure}}.caption.txt", figure=FIGURES, cohort="{cohort}"),
    log:
        "logs/{cohort}/render_figures_internal.log",
    params:
        figures=FIGURES,
    script:
        "../scripts/render_figures.py"


use rule render_figures as render_release_figures with:
    input:
        results=rules.disclosure_gate.output.parquet,
    output:
        png=[
            report(
                f"{RELEASE}/figures/{figure}.png",
                caption=caption(figure),
                category="{cohort}",
                subcategory="Figures",
            )
            for figure in RELEASE_FIGURES
        ],
        screen=expand(f"{RELEASE}/figures/{{figure}}.screen.png", figure=RELEASE_FIGURES, cohort="{cohort}"),
        svg=expand(f"{RELEASE}/figures/{{figure}}.svg", figure=RELEASE_FIGURES, cohort="{cohort}"),
        pdf=expand(f"{RELEASE}/figures/{{figure}}.pdf", figure=RELEASE_FIGURES, cohort="{cohort}"),
        alt_text=expand(f"{RELEASE}/figures/{{figure}}.alt.txt", figure=RELEASE_FIGURES, cohort="{cohort}"),
        caption=expand(f"{RELEASE}/figures/{{figure}}.caption.txt", figure=RELEASE_FIGURES, cohort="{cohort}"),
    log:
        "logs/{cohort}/render_figures_release.log",
    params:
        figures=RELEASE_FIGURES,


# The swimmer plot shows individual children (no case ids), so it is drawn from the validated
# cohort rather than the results table, and stays in the internal tier: never released.
rule render_timelines:
    input:
        cases=rules.validate_cohort.output.cases,
        case_file=rules.validate_cohort.output.case_file,
        behaviours=rules.validate_cohort.output.behaviours,
        metadata=rules.validate_cohort.output.metadata,
    output:
        png=f"{INTERNAL}/figures/dual_timelines.png",
        screen=f"{INTERNAL}/figures/dual_timelines.screen.png",
        svg=f"{INTERNAL}/figures/dual_timelines.svg",
        pdf=f"{INTERNAL}/figures/dual_timelines.pdf",
        alt_text=f"{INTERNAL}/figures/dual_timelines.alt.txt",
        caption=f"{INTERNAL}/figures/dual_timelines.caption.txt",
    log:
        "logs/{cohort}/render_timelines.log",
    script:
        "../scripts/render_timelines.py"
