# Report: the replication register evaluated on the cohort, and the study report (one
# self-contained HTML page), in each tier. The release versions read only release files. The
# plan for a next cohort (children needed per claim at this cohort's effects) is internal only.


rule replication:
    input:
        results=rules.results_table.output.parquet,
    output:
        csv=f"{INTERNAL}/replication.csv",
        markdown=f"{INTERNAL}/replication.md",
        html=f"{INTERNAL}/replication.html",
    log:
        "logs/{cohort}/replication_internal.log",
    script:
        "../scripts/replication.py"


use rule replication as release_replication with:
    input:
        results=rules.disclosure_gate.output.parquet,
    output:
        csv=f"{RELEASE}/replication.csv",
        markdown=f"{RELEASE}/replication.md",
        html=report(
            f"{RELEASE}/replication.html",
            caption=caption("replication"),
            category="{cohort}",
            subcategory="Replication of the published findings",
        ),
    log:
        "logs/{cohort}/replication_release.log",


rule plan:
    input:
        results=rules.results_table.output.parquet,
    output:
        csv=f"{INTERNAL}/plan.csv",
    log:
        "logs/{cohort}/plan.log",
    script:
        "../scripts/plan.py"


rule study_report:
    input:
        results=rules.results_table.output.parquet,
        replication=rules.replication.output.csv,
        plan=rules.plan.output.csv,
        figures=rules.render_figures.output.png,
        timelines=rules.render_timelines.output.png,
        metadata=rules.validate_cohort.output.metadata,
    output:
        html=f"{INTERNAL}/report.html",
    log:
        "logs/{cohort}/study_report_internal.log",
    params:
        config=report_config,
    script:
        "../scripts/study_report.py"


use rule study_report as release_study_report with:
    input:
        results=rules.disclosure_gate.output.parquet,
        replication=rules.release_replication.output.csv,
        figures=rules.render_release_figures.output.png,
        disclosure=rules.disclosure_gate.output.summary,
        metadata=rules.validate_cohort.output.metadata,
    output:
        html=report(
            f"{RELEASE}/report.html",
            caption=caption("study_report"),
            category="{cohort}",
            subcategory="Study report",
        ),
    log:
        "logs/{cohort}/study_report_release.log",


# The draft results section (one Word document an author edits) and the references it cites,
# in each tier; the release draft reads only the gate's results, its policy summary and the
# release figures.
rule draft_results:
    input:
        results=rules.results_table.output.parquet,
        figures=rules.render_figures.output.png,
        timelines=rules.render_timelines.output.png,
    output:
        docx=f"{INTERNAL}/draft_results.docx",
        bib=f"{INTERNAL}/references.bib",
    log:
        "logs/{cohort}/draft_results_internal.log",
    params:
        tier="internal",
    script:
        "../scripts/draft_results.py"


use rule draft_results as release_draft_results with:
    input:
        results=rules.disclosure_gate.output.parquet,
        figures=rules.render_release_figures.output.png,
        disclosure=rules.disclosure_gate.output.summary,
    output:
        docx=report(
            f"{RELEASE}/draft_results.docx",
            caption=caption("draft_results"),
            category="{cohort}",
            subcategory="Draft results",
        ),
        bib=f"{RELEASE}/references.bib",
    log:
        "logs/{cohort}/draft_results_release.log",
    params:
        tier="release",
