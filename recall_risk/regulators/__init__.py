"""Events from regulators' public records: NHTSA's recall and investigation flat files and its
recalls API, a manufacturer-name -> ticker map and a sales table for recall denominators."""

from recall_risk.regulators.campaigns import ANNOUNCED_RULES, ImportResult, announced_date
from recall_risk.regulators.makers import Maker, load_map
from recall_risk.regulators.nhtsa_import import import_api, import_investigations, import_recalls
from recall_risk.regulators.sales import SalesTable, load_sales

__all__ = [
    "ANNOUNCED_RULES",
    "ImportResult",
    "Maker",
    "SalesTable",
    "announced_date",
    "import_api",
    "import_investigations",
    "import_recalls",
    "load_map",
    "load_sales",
]
