"""Risk assessment and governance: MCDA, country and corridor risk, the risk register's rules,
loss quantification and capability maturity.

Public API (the rest is internal; storage, sources and the report renderer, which loads
matplotlib, are exported lazily):

- MCDA: ``ahp`` (``AhpMethod``, ``AhpResult``, ``DEFAULT_MAX_CR``), ``entropy_weights``,
  ``critic_weights`` (``WeightsResult``), ``topsis``, ``vikor``, ``grey_relational``
  (``RankingResult``, ``Normalization``), ``fuzzy_evaluation`` (``FuzzyOperator``).
- Country and corridor risk: ``compute_index``, ``load_config``, ``CountryIndex``,
  ``Weighting``, ``CorridorModel``, ``CorridorRisk``; indicators ``load_catalog``,
  ``Catalog``, ``CountryResolver``; official sources ``read_wgi``, ``read_fatf``,
  ``read_inform``, ``read_lpi``, ``read_lpi_components``, ``cpi_workbook_rows``,
  ``write_indicator_rows``.
- Risk register: ``RiskIn``, ``ControlIn``, ``TreatmentIn``, ``AcceptanceIn``, ``RiskImport``,
  ``Rating``, ``RiskMatrix``, ``MatrixBook``, ``load_matrices``, ``suggest_residual``,
  ``diff_registers``; KRIs ``KriIn``, ``METRICS``; ``RegisterService`` (the stored
  register) and ``report_data``.
- Loss quantification (FAIR): ``quantify``, ``QuantInput``, ``QuantResult``.
- Capability maturity: ``load_questionnaire``, ``score``, ``progress``.
- Tables read from CSV/xlsx: ``read_table``, ``Table``, ``parse_number``.
- Reports: ``render_dashboard``, ``render_html``, ``render_pdf``, ``charts``.
"""

from typing import TYPE_CHECKING

from borderline.assessment.countries import (
    CorridorModel,
    CorridorRisk,
    CountryIndex,
    Weighting,
    compute_index,
    load_config,
)
from borderline.assessment.fair import QuantInput, QuantResult, quantify
from borderline.assessment.indicators import Catalog, CountryResolver, load_catalog
from borderline.assessment.maturity import load_questionnaire, progress, score
from borderline.assessment.mcda import (
    DEFAULT_MAX_CR,
    AhpMethod,
    AhpResult,
    FuzzyOperator,
    Normalization,
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
    RiskImport,
    RiskIn,
    RiskMatrix,
    TreatmentIn,
    diff_registers,
    load_matrices,
    suggest_residual,
)
from borderline.assessment.tables import Table, parse_number, read_table
from borderline.lazy import lazy_exports

if TYPE_CHECKING:
    from borderline.assessment.kri import METRICS, KriIn
    from borderline.assessment.report import charts, render_dashboard, render_html, render_pdf
    from borderline.assessment.service import RegisterService, report_data
    from borderline.assessment.sources import (
        cpi_workbook_rows,
        read_fatf,
        read_inform,
        read_lpi,
        read_lpi_components,
        read_wgi,
        write_indicator_rows,
    )

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".kri": ("METRICS", "KriIn"),
        ".report": ("charts", "render_dashboard", "render_html", "render_pdf"),
        ".service": ("RegisterService", "report_data"),
        ".sources": (
            "cpi_workbook_rows",
            "read_fatf",
            "read_inform",
            "read_lpi",
            "read_lpi_components",
            "read_wgi",
            "write_indicator_rows",
        ),
    },
)


__all__ = [
    "DEFAULT_MAX_CR",
    "METRICS",
    "AcceptanceIn",
    "AhpMethod",
    "AhpResult",
    "Catalog",
    "ControlIn",
    "CorridorModel",
    "CorridorRisk",
    "CountryIndex",
    "CountryResolver",
    "FuzzyOperator",
    "KriIn",
    "MatrixBook",
    "Normalization",
    "QuantInput",
    "QuantResult",
    "RankingResult",
    "Rating",
    "RegisterService",
    "RiskImport",
    "RiskIn",
    "RiskMatrix",
    "Table",
    "TreatmentIn",
    "Weighting",
    "WeightsResult",
    "ahp",
    "charts",
    "compute_index",
    "cpi_workbook_rows",
    "critic_weights",
    "diff_registers",
    "entropy_weights",
    "fuzzy_evaluation",
    "grey_relational",
    "load_catalog",
    "load_config",
    "load_matrices",
    "load_questionnaire",
    "parse_number",
    "progress",
    "quantify",
    "read_fatf",
    "read_inform",
    "read_lpi",
    "read_lpi_components",
    "read_table",
    "read_wgi",
    "render_dashboard",
    "render_html",
    "render_pdf",
    "report_data",
    "score",
    "suggest_residual",
    "topsis",
    "vikor",
    "write_indicator_rows",
]
