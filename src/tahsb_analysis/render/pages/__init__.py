"""The HTML pages: the study report of one cohort (`study`) and the cohort comparison
(`comparison`), with their methods (`methods`) and provenance (`provenance`) sections, laid out
through the Jinja2 templates in `tahsb_analysis/templates` (`page` holds what both share)."""
