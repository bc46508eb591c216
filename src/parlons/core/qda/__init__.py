"""Qualitative analysis of interviews (NVivo-like), REFI-QDA compatible.

Modules: :mod:`.model` (project, codes, cases, selections, offsets), :mod:`.transcripts`
(transcript and case imports), :mod:`.refi` (``.qdpx``/``.qdc`` reading and writing),
:mod:`.queries` (frequencies, matrices, co-occurrence, words, passage retrieval),
:mod:`.agreement` (inter-coder agreement), :mod:`.exports` (DOCX/XLSX/CSV) and
:mod:`.pseudonym` (reversible pseudonymisation).
"""

from parlons.core.qda.model import Project

__all__ = ["Project"]
