"""Polis-style opinion maps: groups of participants, representative, consensus and divisive
statements, computed from agree/disagree/pass votes (see docs/opinions.md)."""

from parlons.core.opinions.clustering import OpinionState
from parlons.core.opinions.model import Conversation, OpinionsDataError
from parlons.core.opinions.pipeline import Analysis, Settings, analyse
from parlons.core.opinions.readers import (
           read_conversation,
           read_json,
           read_polis_export,
           write_json,
)

__all__ = ["Analysis", "Conversation", "OpinionState", "OpinionsDataError", "Settings", "analyse",
           "read_conversation", "read_json", "read_polis_export", "write_json"]
