"""Figures, drawn only from the results table (the swimmer plot: from the cohort, internal).

style       one figure style (column widths, Okabe-Ito palette) and deterministic saving
output      FigureOutput (a figure with its caption and alt text), write_figure, mark_tier
rows        picking a figure's rows (the output the registry names) and saying them in words
blocks      drawing blocks: labelled rows, share bars with CIs, grouped dots and bars, forest
            plots, a box-and-point summary
flow        the flow-diagram block
prevalence, groups, links, models
            the study figures, each a short specification of rows, block and words
catalogue   the one mapping from a registry figure name to its drawing function
timelines   the swimmer plot of individual dual children (internal use only)
comparison  forest plots of the cohort comparison
"""
