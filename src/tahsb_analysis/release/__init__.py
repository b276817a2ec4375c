"""Release: disclosure control of the results table and the release manifest. Never imports
plotting or table rendering."""
