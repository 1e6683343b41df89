"""The arXiv category taxonomy: its 155 current categories, and the codes old
papers still carry: the archives arXiv retired in the 1990s and the bare
archive codes used before archives had subject classes.

Transcribed from arxiv.org/category_taxonomy (codes, names, archives, groups)
and from arXiv's listing of its retired archives and their successors.

Loaded into `papers.Topic` by a data migration, so a fresh install needs no data files.
"""

from typing import Any

# (code, name, archive, group), grouped as arXiv lists them.
CATEGORIES: tuple[tuple[str, str, str, str], ...] = (
    ("cs.AI", "Artificial Intelligence", "cs", "Computer Science"),
    ("cs.AR", "Hardware Architecture", "cs", "Computer Science"),
    ("cs.CC", "Computational Complexity", "cs", "Computer Science"),
    (
        "cs.CE",
        "Computational Engineering, Finance, and Science",
        "cs",
        "Computer Science",
    ),
    ("cs.CG", "Computational Geometry", "cs", "Computer Science"),
    ("cs.CL", "Computation and Language", "cs", "Computer Science"),
    ("cs.CR", "Cryptography and Security", "cs", "Computer Science"),
    ("cs.CV", "Computer Vision and Pattern Recognition", "cs", "Computer Science"),
    ("cs.CY", "Computers and Society", "cs", "Computer Science"),
    ("cs.DB", "Databases", "cs", "Computer Science"),
    ("cs.DC", "Distributed, Parallel, and Cluster Computing", "cs", "Computer Science"),
    ("cs.DL", "Digital Libraries", "cs", "Computer Science"),
    ("cs.DM", "Discrete Mathematics", "cs", "Computer Science"),
    ("cs.DS", "Data Structures and Algorithms", "cs", "Computer Science"),
    ("cs.ET", "Emerging Technologies", "cs", "Computer Science"),
    ("cs.FL", "Formal Languages and Automata Theory", "cs", "Computer Science"),
    ("cs.GL", "General Literature", "cs", "Computer Science"),
    ("cs.GR", "Graphics", "cs", "Computer Science"),
    ("cs.GT", "Computer Science and Game Theory", "cs", "Computer Science"),
    ("cs.HC", "Human-Computer Interaction", "cs", "Computer Science"),
    ("cs.IR", "Information Retrieval", "cs", "Computer Science"),
    ("cs.IT", "Information Theory", "cs", "Computer Science"),
    ("cs.LG", "Machine Learning", "cs", "Computer Science"),
    ("cs.LO", "Logic in Computer Science", "cs", "Computer Science"),
    ("cs.MA", "Multiagent Systems", "cs", "Computer Science"),
    ("cs.MM", "Multimedia", "cs", "Computer Science"),
    ("cs.MS", "Mathematical Software", "cs", "Computer Science"),
    ("cs.NA", "Numerical Analysis", "cs", "Computer Science"),
    ("cs.NE", "Neural and Evolutionary Computing", "cs", "Computer Science"),
    ("cs.NI", "Networking and Internet Architecture", "cs", "Computer Science"),
    ("cs.OH", "Other Computer Science", "cs", "Computer Science"),
    ("cs.OS", "Operating Systems", "cs", "Computer Science"),
    ("cs.PF", "Performance", "cs", "Computer Science"),
    ("cs.PL", "Programming Languages", "cs", "Computer Science"),
    ("cs.RO", "Robotics", "cs", "Computer Science"),
    ("cs.SC", "Symbolic Computation", "cs", "Computer Science"),
    ("cs.SD", "Sound", "cs", "Computer Science"),
    ("cs.SE", "Software Engineering", "cs", "Computer Science"),
    ("cs.SI", "Social and Information Networks", "cs", "Computer Science"),
    ("cs.SY", "Systems and Control", "cs", "Computer Science"),
    ("econ.EM", "Econometrics", "econ", "Economics"),
    ("econ.GN", "General Economics", "econ", "Economics"),
    ("econ.TH", "Theoretical Economics", "econ", "Economics"),
    (
        "eess.AS",
        "Audio and Speech Processing",
        "eess",
        "Electrical Engineering and Systems Science",
    ),
    (
        "eess.IV",
        "Image and Video Processing",
        "eess",
        "Electrical Engineering and Systems Science",
    ),
    (
        "eess.SP",
        "Signal Processing",
        "eess",
        "Electrical Engineering and Systems Science",
    ),
    (
        "eess.SY",
        "Systems and Control",
        "eess",
        "Electrical Engineering and Systems Science",
    ),
    ("math.AC", "Commutative Algebra", "math", "Mathematics"),
    ("math.AG", "Algebraic Geometry", "math", "Mathematics"),
    ("math.AP", "Analysis of PDEs", "math", "Mathematics"),
    ("math.AT", "Algebraic Topology", "math", "Mathematics"),
    ("math.CA", "Classical Analysis and ODEs", "math", "Mathematics"),
    ("math.CO", "Combinatorics", "math", "Mathematics"),
    ("math.CT", "Category Theory", "math", "Mathematics"),
    ("math.CV", "Complex Variables", "math", "Mathematics"),
    ("math.DG", "Differential Geometry", "math", "Mathematics"),
    ("math.DS", "Dynamical Systems", "math", "Mathematics"),
    ("math.FA", "Functional Analysis", "math", "Mathematics"),
    ("math.GM", "General Mathematics", "math", "Mathematics"),
    ("math.GN", "General Topology", "math", "Mathematics"),
    ("math.GR", "Group Theory", "math", "Mathematics"),
    ("math.GT", "Geometric Topology", "math", "Mathematics"),
    ("math.HO", "History and Overview", "math", "Mathematics"),
    ("math.IT", "Information Theory", "math", "Mathematics"),
    ("math.KT", "K-Theory and Homology", "math", "Mathematics"),
    ("math.LO", "Logic", "math", "Mathematics"),
    ("math.MG", "Metric Geometry", "math", "Mathematics"),
    ("math.MP", "Mathematical Physics", "math", "Mathematics"),
    ("math.NA", "Numerical Analysis", "math", "Mathematics"),
    ("math.NT", "Number Theory", "math", "Mathematics"),
    ("math.OA", "Operator Algebras", "math", "Mathematics"),
    ("math.OC", "Optimization and Control", "math", "Mathematics"),
    ("math.PR", "Probability", "math", "Mathematics"),
    ("math.QA", "Quantum Algebra", "math", "Mathematics"),
    ("math.RA", "Rings and Algebras", "math", "Mathematics"),
    ("math.RT", "Representation Theory", "math", "Mathematics"),
    ("math.SG", "Symplectic Geometry", "math", "Mathematics"),
    ("math.SP", "Spectral Theory", "math", "Mathematics"),
    ("math.ST", "Statistics Theory", "math", "Mathematics"),
    ("astro-ph.CO", "Cosmology and Nongalactic Astrophysics", "astro-ph", "Physics"),
    ("astro-ph.EP", "Earth and Planetary Astrophysics", "astro-ph", "Physics"),
    ("astro-ph.GA", "Astrophysics of Galaxies", "astro-ph", "Physics"),
    ("astro-ph.HE", "High Energy Astrophysical Phenomena", "astro-ph", "Physics"),
    (
        "astro-ph.IM",
        "Instrumentation and Methods for Astrophysics",
        "astro-ph",
        "Physics",
    ),
    ("astro-ph.SR", "Solar and Stellar Astrophysics", "astro-ph", "Physics"),
    (
        "cond-mat.dis-nn",
        "Disordered Systems and Neural Networks",
        "cond-mat",
        "Physics",
    ),
    ("cond-mat.mes-hall", "Mesoscale and Nanoscale Physics", "cond-mat", "Physics"),
    ("cond-mat.mtrl-sci", "Materials Science", "cond-mat", "Physics"),
    ("cond-mat.other", "Other Condensed Matter", "cond-mat", "Physics"),
    ("cond-mat.quant-gas", "Quantum Gases", "cond-mat", "Physics"),
    ("cond-mat.soft", "Soft Condensed Matter", "cond-mat", "Physics"),
    ("cond-mat.stat-mech", "Statistical Mechanics", "cond-mat", "Physics"),
    ("cond-mat.str-el", "Strongly Correlated Electrons", "cond-mat", "Physics"),
    ("cond-mat.supr-con", "Superconductivity", "cond-mat", "Physics"),
    ("gr-qc", "General Relativity and Quantum Cosmology", "gr-qc", "Physics"),
    ("hep-ex", "High Energy Physics - Experiment", "hep-ex", "Physics"),
    ("hep-lat", "High Energy Physics - Lattice", "hep-lat", "Physics"),
    ("hep-ph", "High Energy Physics - Phenomenology", "hep-ph", "Physics"),
    ("hep-th", "High Energy Physics - Theory", "hep-th", "Physics"),
    ("math-ph", "Mathematical Physics", "math-ph", "Physics"),
    ("nlin.AO", "Adaptation and Self-Organizing Systems", "nlin", "Physics"),
    ("nlin.CD", "Chaotic Dynamics", "nlin", "Physics"),
    ("nlin.CG", "Cellular Automata and Lattice Gases", "nlin", "Physics"),
    ("nlin.PS", "Pattern Formation and Solitons", "nlin", "Physics"),
    ("nlin.SI", "Exactly Solvable and Integrable Systems", "nlin", "Physics"),
    ("nucl-ex", "Nuclear Experiment", "nucl-ex", "Physics"),
    ("nucl-th", "Nuclear Theory", "nucl-th", "Physics"),
    ("physics.acc-ph", "Accelerator Physics", "physics", "Physics"),
    ("physics.ao-ph", "Atmospheric and Oceanic Physics", "physics", "Physics"),
    ("physics.app-ph", "Applied Physics", "physics", "Physics"),
    ("physics.atm-clus", "Atomic and Molecular Clusters", "physics", "Physics"),
    ("physics.atom-ph", "Atomic Physics", "physics", "Physics"),
    ("physics.bio-ph", "Biological Physics", "physics", "Physics"),
    ("physics.chem-ph", "Chemical Physics", "physics", "Physics"),
    ("physics.class-ph", "Classical Physics", "physics", "Physics"),
    ("physics.comp-ph", "Computational Physics", "physics", "Physics"),
    (
        "physics.data-an",
        "Data Analysis, Statistics and Probability",
        "physics",
        "Physics",
    ),
    ("physics.ed-ph", "Physics Education", "physics", "Physics"),
    ("physics.flu-dyn", "Fluid Dynamics", "physics", "Physics"),
    ("physics.gen-ph", "General Physics", "physics", "Physics"),
    ("physics.geo-ph", "Geophysics", "physics", "Physics"),
    ("physics.hist-ph", "History and Philosophy of Physics", "physics", "Physics"),
    ("physics.ins-det", "Instrumentation and Detectors", "physics", "Physics"),
    ("physics.med-ph", "Medical Physics", "physics", "Physics"),
    ("physics.optics", "Optics", "physics", "Physics"),
    ("physics.plasm-ph", "Plasma Physics", "physics", "Physics"),
    ("physics.pop-ph", "Popular Physics", "physics", "Physics"),
    ("physics.soc-ph", "Physics and Society", "physics", "Physics"),
    ("physics.space-ph", "Space Physics", "physics", "Physics"),
    ("quant-ph", "Quantum Physics", "quant-ph", "Physics"),
    ("q-bio.BM", "Biomolecules", "q-bio", "Quantitative Biology"),
    ("q-bio.CB", "Cell Behavior", "q-bio", "Quantitative Biology"),
    ("q-bio.GN", "Genomics", "q-bio", "Quantitative Biology"),
    ("q-bio.MN", "Molecular Networks", "q-bio", "Quantitative Biology"),
    ("q-bio.NC", "Neurons and Cognition", "q-bio", "Quantitative Biology"),
    ("q-bio.OT", "Other Quantitative Biology", "q-bio", "Quantitative Biology"),
    ("q-bio.PE", "Populations and Evolution", "q-bio", "Quantitative Biology"),
    ("q-bio.QM", "Quantitative Methods", "q-bio", "Quantitative Biology"),
    ("q-bio.SC", "Subcellular Processes", "q-bio", "Quantitative Biology"),
    ("q-bio.TO", "Tissues and Organs", "q-bio", "Quantitative Biology"),
    ("q-fin.CP", "Computational Finance", "q-fin", "Quantitative Finance"),
    ("q-fin.EC", "Economics", "q-fin", "Quantitative Finance"),
    ("q-fin.GN", "General Finance", "q-fin", "Quantitative Finance"),
    ("q-fin.MF", "Mathematical Finance", "q-fin", "Quantitative Finance"),
    ("q-fin.PM", "Portfolio Management", "q-fin", "Quantitative Finance"),
    ("q-fin.PR", "Pricing of Securities", "q-fin", "Quantitative Finance"),
    ("q-fin.RM", "Risk Management", "q-fin", "Quantitative Finance"),
    ("q-fin.ST", "Statistical Finance", "q-fin", "Quantitative Finance"),
    ("q-fin.TR", "Trading and Market Microstructure", "q-fin", "Quantitative Finance"),
    ("stat.AP", "Applications", "stat", "Statistics"),
    ("stat.CO", "Computation", "stat", "Statistics"),
    ("stat.ME", "Methodology", "stat", "Statistics"),
    ("stat.ML", "Machine Learning", "stat", "Statistics"),
    ("stat.OT", "Other Statistics", "stat", "Statistics"),
    ("stat.TH", "Statistics Theory", "stat", "Statistics"),
)

# Archive names as arXiv prints them above each archive's categories.
ARCHIVE_NAMES: dict[str, str] = {
    "astro-ph": "Astrophysics",
    "cond-mat": "Condensed Matter",
    "cs": "Computer Science",
    "econ": "Economics",
    "eess": "Electrical Engineering and Systems Science",
    "gr-qc": "General Relativity and Quantum Cosmology",
    "hep-ex": "High Energy Physics - Experiment",
    "hep-lat": "High Energy Physics - Lattice",
    "hep-ph": "High Energy Physics - Phenomenology",
    "hep-th": "High Energy Physics - Theory",
    "math": "Mathematics",
    "math-ph": "Mathematical Physics",
    "nlin": "Nonlinear Sciences",
    "nucl-ex": "Nuclear Experiment",
    "nucl-th": "Nuclear Theory",
    "physics": "Physics",
    "q-bio": "Quantitative Biology",
    "q-fin": "Quantitative Finance",
    "quant-ph": "Quantum Physics",
    "stat": "Statistics",
}


LEGACY_GROUP = "Legacy archives"

# Archives arXiv retired, each folded into one current category:
# (code, name, successor).
RETIRED_ARCHIVES: tuple[tuple[str, str, str], ...] = (
    ("acc-phys", "Accelerator Physics", "physics.acc-ph"),
    ("adap-org", "Adaptation, Noise, and Self-Organizing Systems", "nlin.AO"),
    ("alg-geom", "Algebraic Geometry", "math.AG"),
    ("ao-sci", "Atmospheric-Oceanic Sciences", "physics.ao-ph"),
    ("atom-ph", "Atomic, Molecular and Optical Physics", "physics.atom-ph"),
    ("bayes-an", "Bayesian Analysis", "physics.data-an"),
    ("chao-dyn", "Chaotic Dynamics", "nlin.CD"),
    ("chem-ph", "Chemical Physics", "physics.chem-ph"),
    ("cmp-lg", "Computation and Language", "cs.CL"),
    ("comp-gas", "Cellular Automata and Lattice Gases", "nlin.CG"),
    ("dg-ga", "Differential Geometry", "math.DG"),
    ("funct-an", "Functional Analysis", "math.FA"),
    ("mtrl-th", "Materials Theory", "cond-mat.mtrl-sci"),
    ("patt-sol", "Pattern Formation and Solitons", "nlin.PS"),
    ("plasm-ph", "Plasma Physics", "physics.plasm-ph"),
    ("q-alg", "Quantum Algebra and Topology", "math.QA"),
    ("solv-int", "Exactly Solvable and Integrable Systems", "nlin.SI"),
    ("supr-con", "Superconductivity", "cond-mat.supr-con"),
)

# Archives whose bare code papers carried before the archive had subject
# classes (astro-ph until 2009, for one): their successors are the archive's
# categories.
BARE_ARCHIVES = (
    "astro-ph",
    "cond-mat",
    "cs",
    "econ",
    "eess",
    "math",
    "nlin",
    "physics",
    "q-bio",
    "q-fin",
    "stat",
)


def create_topics(topic_model: Any) -> None:
    """Create the current categories missing from `topic_model`'s table (the
    data migration passes its historical model; tests that flushed the table,
    the real one)."""
    topic_model.objects.bulk_create(
        [topic_model(code=c, name=n, archive=a, group=g) for c, n, a, g in CATEGORIES],
        ignore_conflicts=True,
    )


def create_legacy_topics(topic_model: Any) -> None:
    """Create the legacy topics missing from `topic_model`'s table (a model
    with the `legacy` and `successor` fields)."""
    retired = [
        topic_model(
            code=c, name=n, archive=c, group=LEGACY_GROUP, legacy=True, successor=s
        )
        for c, n, s in RETIRED_ARCHIVES
    ]
    bare = [
        topic_model(
            code=c,
            name=f"{ARCHIVE_NAMES[c]}, before subject classes",
            archive=c,
            group=LEGACY_GROUP,
            legacy=True,
        )
        for c in BARE_ARCHIVES
    ]
    topic_model.objects.bulk_create([*retired, *bare], ignore_conflicts=True)
