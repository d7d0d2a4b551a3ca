"""essaycheck: find copied bài thu hoạch and score how well each ties the resolution to the
writer's own unit, every figure explained with the sentences behind it.

Pipeline: read -> normalise -> tokenize -> detect copies -> score relevance -> report.
"""

from importlib.metadata import PackageNotFoundError, version

from .campaigns import Campaign, load_campaign
from .crossval import (
    CampaignRun,
    campaign_table,
    fit_level_model,
    leave_one_campaign_out,
    run_campaign,
)
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
from .levels import LevelModel
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
from .sentence_roles import SentenceModel
from .tokenize import TokenCache
from .units import Unit, read_units, resolve_unit

try:
    __version__ = version("essaycheck")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "Analysis",
    "Campaign",
    "CampaignRun",
    "Config",
    "CopyDetector",
    "CopyEvaluation",
    "CopyGroup",
    "CopyProfile",
    "Document",
    "Essay",
    "EssayResult",
    "Evidence",
    "LevelModel",
    "Match",
    "Normalized",
    "Passage",
    "ReadError",
    "RelevanceEvaluation",
    "RelevanceScore",
    "RelevanceScorer",
    "Report",
    "Sentence",
    "SentenceModel",
    "TokenCache",
    "Unit",
    "campaign_table",
    "check",
    "check_documents",
    "evaluate_copies",
    "evaluate_relevance",
    "fit_cutpoints",
    "fit_level_model",
    "fold",
    "leave_one_campaign_out",
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
    "run_campaign",
    "tables",
    "to_dict",
    "write_json",
    "write_xlsx",
]
