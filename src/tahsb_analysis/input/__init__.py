"""Input: the codebook, reading files as text, the identifier screen, validation and the typed
cohort. Everything a case file passes through before any analysis sees it."""
