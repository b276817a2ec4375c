"""Render: number formatting, labels, table layouts, figures and report pages, drawn only from
a results table; nothing here computes a statistic."""
