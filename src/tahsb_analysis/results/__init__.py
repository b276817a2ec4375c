"""Results: the long results table (one row per statistic) that every analysis returns and
every later step reads."""
