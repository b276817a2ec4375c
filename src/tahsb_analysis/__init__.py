"""tahsb_analysis: reproducible analysis of technology-assisted harmful sexual behaviour (TA-HSB)
by children, reproducing Hollis and Belton (2017, NSPCC).

The package holds pure, tested functions; the Snakemake workflow in `workflow/` owns the paths.
"""

__version__ = "0.1.0"
