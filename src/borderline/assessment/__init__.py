"""Risk assessment and governance: MCDA, country and corridor risk, the risk register's rules,
loss quantification and capability maturity.

The public API is re-exported here. Storage (``store``, ``service``) and the report renderer
(``report``, which loads matplotlib) are imported explicitly by adapters, never from here.
"""

from borderline.assessment.countries import (
    CorridorModel,
    CorridorRisk,
    CountryIndex,
    compute_index,
    load_config,
)
from borderline.assessment.fair import QuantInput, QuantResult, quantify
from borderline.assessment.indicators import Catalog, CountryResolver, load_catalog
from borderline.assessment.maturity import load_questionnaire, progress, score
from borderline.assessment.mcda import (
    AhpResult,
    RankingResult,
    WeightsResult,
    ahp,
    critic_weights,
    entropy_weights,
    fuzzy_evaluation,
    grey_relational,
    topsis,
    vikor,
)
from borderline.assessment.register import (
    AcceptanceIn,
    ControlIn,
    MatrixBook,
    Rating,
    RiskIn,
    RiskMatrix,
    TreatmentIn,
    diff_registers,
    load_matrices,
    suggest_residual,
)
from borderline.assessment.tables import Table, read_table

__all__ = [
    "AcceptanceIn",
    "AhpResult",
    "Catalog",
    "ControlIn",
    "CorridorModel",
    "CorridorRisk",
    "CountryIndex",
    "CountryResolver",
    "MatrixBook",
    "QuantInput",
    "QuantResult",
    "RankingResult",
    "Rating",
    "RiskIn",
    "RiskMatrix",
    "Table",
    "TreatmentIn",
    "WeightsResult",
    "ahp",
    "compute_index",
    "critic_weights",
    "diff_registers",
    "entropy_weights",
    "fuzzy_evaluation",
    "grey_relational",
    "load_catalog",
    "load_config",
    "load_matrices",
    "load_questionnaire",
    "progress",
    "quantify",
    "read_table",
    "score",
    "suggest_residual",
    "topsis",
    "vikor",
]
