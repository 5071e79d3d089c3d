"""CaseReview: review criminal cases against an office's written non-prosecution policy."""

__version__ = "0.1.0"
