"""essaycheck: find copied bài thu hoạch and score how well each ties the resolution to the
writer's own unit, every figure explained with the sentences behind it.

Pipeline: read -> normalise -> tokenize -> detect copies -> score relevance -> report.
"""

from importlib.metadata import PackageNotFoundError, version

from .campaigns import Campaign, load_campaign
from .detect import Analysis, CopyDetector
from .documents import Document, ReadError
from .essay import Essay, Sentence, prepare
from .evaluate import (
    CopyEvaluation,
    RelevanceEvaluation,
    evaluate_copies,
    evaluate_relevance,
    precision_recall_curve,
)
from .matches import CopyGroup, CopyProfile, Match, Passage
from .normalize import Normalized, fold, normalize
from .pipeline import Config, check, check_documents
from .readers import read_batch, read_text
from .relevance import (
    Evidence,
    RelevanceScore,
    RelevanceScorer,
    fit_cutpoints,
    prepare_resolution,
)
from .report import load_json, tables, to_dict, write_json, write_xlsx
from .results import EssayResult, Report
from .tokenize import TokenCache
from .units import Unit, read_units, resolve_unit

try:
    __version__ = version("essaycheck")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "Analysis",
    "Campaign",
    "Config",
    "CopyDetector",
    "CopyEvaluation",
    "CopyGroup",
    "CopyProfile",
    "Document",
    "Essay",
    "EssayResult",
    "Evidence",
    "Match",
    "Normalized",
    "Passage",
    "ReadError",
    "RelevanceEvaluation",
    "RelevanceScore",
    "RelevanceScorer",
    "Report",
    "Sentence",
    "TokenCache",
    "Unit",
    "check",
    "check_documents",
    "evaluate_copies",
    "evaluate_relevance",
    "fit_cutpoints",
    "fold",
    "load_campaign",
    "load_json",
    "normalize",
    "precision_recall_curve",
    "prepare",
    "prepare_resolution",
    "read_batch",
    "read_text",
    "read_units",
    "resolve_unit",
    "tables",
    "to_dict",
    "write_json",
    "write_xlsx",
]
