# Render: every table, figure and page of a cohort, drawn from its results table, nothing
# computed here. One job per cohort and tier (issue #19: a job per kind of output paid Python's
# start-up and the plotting stack's imports once for each): render_internal renders the internal
# results table; render_release renders the table that passed the disclosure gate and reads
# release inputs only. Only release outputs are marked for `snakemake --report`: each table's
# HTML and the tier's workbook (the .docx and .tex of each table stay beside them, for a paper
# rather than a report), each figure's PNG (not its screen copy), the replication table, the study report, the draft
# results and the manifest.


# Internal tier: also the swimmer plot, which shows individual children (no case ids) and is
# drawn from the validated cohort; the plan for a next cohort, computed from rows not checked
# for release; and where the coders of the double-coded case files disagreed (case id and
# field, never a code), for them to resolve. None of these is ever released.
rule render_internal:
    input:
        results=rules.results_table.output.parquet,
        cases=rules.validate_cohort.output.cases,
        case_file=rules.validate_cohort.output.case_file,
        behaviours=rules.validate_cohort.output.behaviours,
        metadata=rules.validate_cohort.output.metadata,
        codings=rules.validate_cohort.output.codings,
    output:
        csv=expand(f"{INTERNAL}/tables/{{table}}.csv", table=TABLE_OUTPUTS, cohort="{cohort}"),
        markdown=expand(f"{INTERNAL}/tables/{{table}}.md", table=TABLE_OUTPUTS, cohort="{cohort}"),
        html=expand(f"{INTERNAL}/tables/{{table}}.html", table=TABLE_OUTPUTS, cohort="{cohort}"),
        latex=expand(f"{INTERNAL}/tables/{{table}}.tex", table=TABLE_OUTPUTS, cohort="{cohort}"),
        docx=expand(f"{INTERNAL}/tables/{{table}}.docx", table=TABLE_OUTPUTS, cohort="{cohort}"),
        workbook=f"{INTERNAL}/tables/tables.xlsx",
        figure_png=expand(f"{INTERNAL}/figures/{{figure}}.png", figure=FIGURES, cohort="{cohort}"),
        figure_screen=expand(f"{INTERNAL}/figures/{{figure}}.screen.png", figure=FIGURES, cohort="{cohort}"),
        figure_svg=expand(f"{INTERNAL}/figures/{{figure}}.svg", figure=FIGURES, cohort="{cohort}"),
        figure_pdf=expand(f"{INTERNAL}/figures/{{figure}}.pdf", figure=FIGURES, cohort="{cohort}"),
        figure_alt_text=expand(f"{INTERNAL}/figures/{{figure}}.alt.txt", figure=FIGURES, cohort="{cohort}"),
        figure_caption=expand(f"{INTERNAL}/figures/{{figure}}.caption.txt", figure=FIGURES, cohort="{cohort}"),
        timelines_png=f"{INTERNAL}/figures/dual_timelines.png",
        timelines_screen=f"{INTERNAL}/figures/dual_timelines.screen.png",
        timelines_svg=f"{INTERNAL}/figures/dual_timelines.svg",
        timelines_pdf=f"{INTERNAL}/figures/dual_timelines.pdf",
        timelines_alt_text=f"{INTERNAL}/figures/dual_timelines.alt.txt",
        timelines_caption=f"{INTERNAL}/figures/dual_timelines.caption.txt",
        replication_csv=f"{INTERNAL}/replication.csv",
        replication_markdown=f"{INTERNAL}/replication.md",
        replication_html=f"{INTERNAL}/replication.html",
        plan=f"{INTERNAL}/plan.csv",
        report=f"{INTERNAL}/report.html",
        draft_docx=f"{INTERNAL}/draft_results.docx",
        draft_bib=f"{INTERNAL}/references.bib",
        disagreements=f"{INTERNAL}/coding_disagreements.csv",
    log:
        "logs/{cohort}/render_internal.log",
    params:
        tables=TABLE_OUTPUTS,
        figures=FIGURES,
        config=report_config,
    script:
        "../scripts/render_internal.py"


# Release tier: reads only the gate's results table (and its CSV and summary, for the
# manifest) and the validated cohort's metadata (input files and their checksums, for the
# report's provenance); writes the manifest of every released file last.
rule render_release:
    input:
        results=rules.disclosure_gate.output.parquet,
        results_csv=rules.disclosure_gate.output.csv,
        disclosure=rules.disclosure_gate.output.summary,
        metadata=rules.validate_cohort.output.metadata,
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
        figure_png=[
            report(
                f"{RELEASE}/figures/{figure}.png",
                caption=caption(figure),
                category="{cohort}",
                subcategory="Figures",
            )
            for figure in RELEASE_FIGURES
        ],
        figure_screen=expand(f"{RELEASE}/figures/{{figure}}.screen.png", figure=RELEASE_FIGURES, cohort="{cohort}"),
        figure_svg=expand(f"{RELEASE}/figures/{{figure}}.svg", figure=RELEASE_FIGURES, cohort="{cohort}"),
        figure_pdf=expand(f"{RELEASE}/figures/{{figure}}.pdf", figure=RELEASE_FIGURES, cohort="{cohort}"),
        figure_alt_text=expand(f"{RELEASE}/figures/{{figure}}.alt.txt", figure=RELEASE_FIGURES, cohort="{cohort}"),
        figure_caption=expand(f"{RELEASE}/figures/{{figure}}.caption.txt", figure=RELEASE_FIGURES, cohort="{cohort}"),
        replication_csv=f"{RELEASE}/replication.csv",
        replication_markdown=f"{RELEASE}/replication.md",
        replication_html=report(
            f"{RELEASE}/replication.html",
            caption=caption("replication"),
            category="{cohort}",
            subcategory="Replication of the published findings",
        ),
        report=report(
            f"{RELEASE}/report.html",
            caption=caption("study_report"),
            category="{cohort}",
            subcategory="Study report",
        ),
        draft_docx=report(
            f"{RELEASE}/draft_results.docx",
            caption=caption("draft_results"),
            category="{cohort}",
            subcategory="Draft results",
        ),
        draft_bib=f"{RELEASE}/references.bib",
        manifest_json=f"{RELEASE}/manifest.json",
        manifest_markdown=report(
            f"{RELEASE}/manifest.md",
            caption=caption("manifest"),
            category="{cohort}",
            subcategory="Release manifest",
        ),
    log:
        "logs/{cohort}/render_release.log",
    params:
        tables=RELEASE_TABLE_OUTPUTS,
        figures=RELEASE_FIGURES,
        config=report_config,
        not_released=NOT_RELEASED,
    script:
        "../scripts/render_release.py"
