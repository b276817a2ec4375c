"""The works the methods text cites, once: a BibTeX entry per key, how the key reads in running
text ("Wilson, 1927"), and the `.bib` file of exactly the keys a text cites.

Texts mark a citation as ``[@key]`` (pandoc's form, so a draft converted with pandoc keeps it);
`author_year_text` turns the marks into "(Wilson, 1927)" for the page and the Word draft.
Entries were checked against the publishers' records (journal, volume, pages, DOI); a work
without a DOI (Holm 1979, the NSPCC report, the books) has none here rather than a guessed one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Reference:
    """One BibTeX entry: its type, key, and fields in the order written; `cite` is how it reads
    in running text ("Wilson, 1927")."""

    kind: str
    key: str
    cite: str
    fields: tuple[tuple[str, str], ...]


def _ref(kind: str, key: str, cite: str, **fields: str) -> Reference:
    return Reference(kind, key, cite, tuple(fields.items()))


_ALL = (
    _ref("techreport", "hollis2017", "Hollis and Belton, 2017",
         author="Hollis, Vicki and Belton, Emma",
         title="Children and young people who engage in technology-assisted harmful sexual "
               "behaviour: a study of their behaviours, backgrounds and characteristics",
         institution="NSPCC", address="London", type="Impact and evidence series", year="2017"),
    _ref("article", "wilson1927", "Wilson, 1927",
         author="Wilson, Edwin B.",
         title="Probable inference, the law of succession, and statistical inference",
         journal="Journal of the American Statistical Association", volume="22",
         number="158", pages="209--212", year="1927", doi="10.1080/01621459.1927.10502953"),
    _ref("article", "clopper1934", "Clopper and Pearson, 1934",
         author="Clopper, C. J. and Pearson, E. S.",
         title="The use of confidence or fiducial limits illustrated in the case of the "
               "binomial", journal="Biometrika", volume="26", number="4", pages="404--413",
         year="1934", doi="10.1093/biomet/26.4.404"),
    _ref("article", "newcombe1998", "Newcombe, 1998",
         author="Newcombe, Robert G.",
         title="Interval estimation for the difference between independent proportions: "
               "comparison of eleven methods",
         journal="Statistics in Medicine", volume="17", number="8", pages="873--890",
         year="1998",
         doi="10.1002/(SICI)1097-0258(19980430)17:8<873::AID-SIM779>3.0.CO;2-I"),
    _ref("article", "pearson1900", "Pearson, 1900",
         author="Pearson, Karl",
         title="On the criterion that a given system of deviations from the probable in the "
               "case of a correlated system of variables is such that it can be reasonably "
               "supposed to have arisen from random sampling",
         journal="The London, Edinburgh, and Dublin Philosophical Magazine and Journal of "
                 "Science", volume="50", number="302", pages="157--175", year="1900",
         doi="10.1080/14786440009463897"),
    _ref("article", "fisher1922", "Fisher, 1922",
         author="Fisher, R. A.",
         title="On the interpretation of chi-square from contingency tables, and the "
               "calculation of P",
         journal="Journal of the Royal Statistical Society", volume="85", number="1",
         pages="87--94", year="1922", doi="10.2307/2340521"),
    _ref("article", "freeman1951", "Freeman and Halton, 1951",
         author="Freeman, G. H. and Halton, J. H.",
         title="Note on an exact treatment of contingency, goodness of fit and other problems "
               "of significance", journal="Biometrika", volume="38", number="1/2",
         pages="141--149", year="1951", doi="10.1093/biomet/38.1-2.141"),
    _ref("article", "kruskal1952", "Kruskal and Wallis, 1952",
         author="Kruskal, William H. and Wallis, W. Allen",
         title="Use of ranks in one-criterion variance analysis",
         journal="Journal of the American Statistical Association", volume="47",
         number="260", pages="583--621", year="1952", doi="10.1080/01621459.1952.10483441"),
    _ref("article", "mantel1963", "Mantel, 1963",
         author="Mantel, Nathan",
         title="Chi-square tests with one degree of freedom; extensions of the "
               "Mantel-Haenszel procedure",
         journal="Journal of the American Statistical Association", volume="58",
         number="303", pages="690--700", year="1963", doi="10.1080/01621459.1963.10500879"),
    _ref("book", "agresti2013", "Agresti, 2013",
         author="Agresti, Alan", title="Categorical Data Analysis", edition="3rd",
         publisher="Wiley", address="Hoboken, NJ", year="2013"),
    _ref("article", "mann1947", "Mann and Whitney, 1947",
         author="Mann, H. B. and Whitney, D. R.",
         title="On a test of whether one of two random variables is stochastically larger "
               "than the other", journal="The Annals of Mathematical Statistics", volume="18",
         number="1", pages="50--60", year="1947", doi="10.1214/aoms/1177730491"),
    _ref("article", "wilcoxon1945", "Wilcoxon, 1945",
         author="Wilcoxon, Frank", title="Individual comparisons by ranking methods",
         journal="Biometrics Bulletin", volume="1", number="6", pages="80--83", year="1945",
         doi="10.2307/3001968"),
    _ref("article", "hodges1963", "Hodges and Lehmann, 1963",
         author="Hodges, J. L. and Lehmann, E. L.",
         title="Estimates of location based on rank tests",
         journal="The Annals of Mathematical Statistics", volume="34", number="2",
         pages="598--611", year="1963", doi="10.1214/aoms/1177704172"),
    _ref("article", "holm1979", "Holm, 1979",
         author="Holm, Sture", title="A simple sequentially rejective multiple test procedure",
         journal="Scandinavian Journal of Statistics", volume="6", number="2", pages="65--70",
         year="1979"),
    _ref("article", "benjamini1995", "Benjamini and Hochberg, 1995",
         author="Benjamini, Yoav and Hochberg, Yosef",
         title="Controlling the false discovery rate: a practical and powerful approach to "
               "multiple testing",
         journal="Journal of the Royal Statistical Society: Series B (Methodological)",
         volume="57", number="1", pages="289--300", year="1995",
         doi="10.1111/j.2517-6161.1995.tb02031.x"),
    _ref("article", "firth1993", "Firth, 1993",
         author="Firth, David", title="Bias reduction of maximum likelihood estimates",
         journal="Biometrika", volume="80", number="1", pages="27--38", year="1993",
         doi="10.1093/biomet/80.1.27"),
    _ref("article", "heinze2002", "Heinze and Schemper, 2002",
         author="Heinze, Georg and Schemper, Michael",
         title="A solution to the problem of separation in logistic regression",
         journal="Statistics in Medicine", volume="21", number="16", pages="2409--2419",
         year="2002", doi="10.1002/sim.1047"),
    _ref("article", "mccullagh1980", "McCullagh, 1980",
         author="McCullagh, Peter", title="Regression models for ordinal data",
         journal="Journal of the Royal Statistical Society: Series B (Methodological)",
         volume="42", number="2", pages="109--142", year="1980",
         doi="10.1111/j.2517-6161.1980.tb01109.x"),
    _ref("article", "brant1990", "Brant, 1990",
         author="Brant, Rollin",
         title="Assessing proportionality in the proportional odds model for ordinal logistic "
               "regression", journal="Biometrics", volume="46", number="4",
         pages="1171--1178", year="1990", doi="10.2307/2532457"),
    _ref("article", "olsson2005", "Olsson, 2005",
         author="Olsson, Ulf",
         title="Confidence intervals for the mean of a log-normal distribution",
         journal="Journal of Statistics Education", volume="13", number="1", year="2005",
         doi="10.1080/10691898.2005.11910638"),
    _ref("article", "efron1987", "Efron, 1987",
         author="Efron, Bradley", title="Better bootstrap confidence intervals",
         journal="Journal of the American Statistical Association", volume="82",
         number="397", pages="171--185", year="1987", doi="10.1080/01621459.1987.10478410"),
    _ref("book", "rubin1987", "Rubin, 1987",
         author="Rubin, Donald B.", title="Multiple Imputation for Nonresponse in Surveys",
         publisher="Wiley", address="New York", year="1987", doi="10.1002/9780470316696"),
    _ref("article", "barnard1999", "Barnard and Rubin, 1999",
         author="Barnard, John and Rubin, Donald B.",
         title="Small-sample degrees of freedom with multiple imputation",
         journal="Biometrika", volume="86", number="4", pages="948--955", year="1999",
         doi="10.1093/biomet/86.4.948"),
    _ref("article", "vanbuuren2011", "van Buuren and Groothuis-Oudshoorn, 2011",
         author="van Buuren, Stef and Groothuis-Oudshoorn, Karin",
         title="mice: Multivariate imputation by chained equations in R",
         journal="Journal of Statistical Software", volume="45", number="3", pages="1--67",
         year="2011", doi="10.18637/jss.v045.i03"),
    _ref("article", "berger1982", "Berger, 1982",
         author="Berger, Roger L.",
         title="Multiparameter hypothesis testing and acceptance sampling",
         journal="Technometrics", volume="24", number="4", pages="295--300", year="1982",
         doi="10.1080/00401706.1982.10487790"),
    _ref("article", "liang1986", "Liang and Zeger, 1986",
         author="Liang, Kung-Yee and Zeger, Scott L.",
         title="Longitudinal data analysis using generalized linear models",
         journal="Biometrika", volume="73", number="1", pages="13--22", year="1986",
         doi="10.1093/biomet/73.1.13"),
    _ref("article", "cameron2008", "Cameron et al., 2008",
         author="Cameron, A. Colin and Gelbach, Jonah B. and Miller, Douglas L.",
         title="Bootstrap-based improvements for inference with clustered errors",
         journal="The Review of Economics and Statistics", volume="90", number="3",
         pages="414--427", year="2008", doi="10.1162/rest.90.3.414"),
    _ref("book", "kish1965", "Kish, 1965",
         author="Kish, Leslie", title="Survey Sampling", publisher="Wiley",
         address="New York", year="1965"),
    _ref("inproceedings", "mckinney2010", "McKinney, 2010",
         author="McKinney, Wes", title="Data structures for statistical computing in Python",
         booktitle="Proceedings of the 9th Python in Science Conference", pages="56--61",
         year="2010", doi="10.25080/Majora-92bf1922-00a"),
    _ref("article", "virtanen2020", "Virtanen et al., 2020",
         author="Virtanen, Pauli and Gommers, Ralf and Oliphant, Travis E. and others",
         title="SciPy 1.0: fundamental algorithms for scientific computing in Python",
         journal="Nature Methods", volume="17", pages="261--272", year="2020",
         doi="10.1038/s41592-019-0686-2"),
    _ref("inproceedings", "seabold2010", "Seabold and Perktold, 2010",
         author="Seabold, Skipper and Perktold, Josef",
         title="Statsmodels: econometric and statistical modeling with Python",
         booktitle="Proceedings of the 9th Python in Science Conference", pages="92--96",
         year="2010", doi="10.25080/Majora-92bf1922-011"),
    _ref("article", "molder2021", "Mölder et al., 2021",
         author="Mölder, Felix and Jablonski, Kim Philipp and Letcher, Brice and Hall, Michael "
                "B. and Tomkins-Tinch, Christopher H. and Sochat, Vanessa and Forster, Jan and "
                "Lee, Soohyun and Twardziok, Sven O. and Kanitz, Alexander and Wilm, Andreas "
                "and Holtgrewe, Manuel and Rahmann, Sven and Nahnsen, Sven and Köster, "
                "Johannes",
         title="Sustainable data analysis with Snakemake", journal="F1000Research",
         volume="10", pages="33", year="2021", doi="10.12688/f1000research.29032.2"),
    _ref("article", "hunter2007", "Hunter, 2007",
         author="Hunter, John D.", title="Matplotlib: a 2D graphics environment",
         journal="Computing in Science \\& Engineering", volume="9", number="3",
         pages="90--95", year="2007", doi="10.1109/MCSE.2007.55"),
)
REFERENCES: dict[str, Reference] = {reference.key: reference for reference in _ALL}
CITATION = re.compile(r"\[@([A-Za-z0-9_:-]+(?:;\s*@[A-Za-z0-9_:-]+)*)\]")


def cited_keys(texts: Iterable[str]) -> list[str]:
    """The keys cited by `texts` ("[@a]", "[@a; @b]"), each once, in order of first citation."""
    keys: list[str] = []
    for text in texts:
        for group in CITATION.findall(text):
            for key in group.split(";"):
                key = key.strip().lstrip("@")
                if key not in keys:
                    keys.append(key)
    return keys


def unknown_keys(keys: Iterable[str]) -> list[str]:
    return sorted(set(keys) - set(REFERENCES))


def author_year_text(text: str) -> str:
    """`text` with each citation mark as running text: "[@a; @b]" -> "(A, 1990; B, 2001)"."""
    def replace(match: re.Match) -> str:
        keys = [key.strip().lstrip("@") for key in match.group(1).split(";")]
        missing = unknown_keys(keys)
        if missing:
            raise KeyError(f"citation keys not in render/references.py: {missing}")
        return "(" + "; ".join(REFERENCES[key].cite for key in keys) + ")"

    return CITATION.sub(replace, text)


def bibtex_entry(reference: Reference) -> str:
    width = max(len(name) for name, _ in reference.fields)
    lines = [f"@{reference.kind}{{{reference.key},"]
    lines += [f"  {name.ljust(width)} = {{{value}}}," for name, value in reference.fields]
    lines.append("}")
    return "\n".join(lines)


def bibtex(keys: Iterable[str]) -> str:
    """The `.bib` file of exactly `keys` (in the order given); an unknown key is an error."""
    keys = list(dict.fromkeys(keys))
    missing = unknown_keys(keys)
    if missing:
        raise KeyError(f"citation keys not in render/references.py: {missing}")
    return "\n\n".join(bibtex_entry(REFERENCES[key]) for key in keys) + "\n"
