"""Plain words for what a `review` needs found out, naming the person ({who}): the screening panel's checklist and
the letters' "to find out" lines say the same thing."""

from __future__ import annotations

from typing import Final

NEED_WORDS: Final = {
    "age": "the age (date of birth) of {who}",
    "with": "who the other person in this charge was",
    "aggressor": "whether {who} was the aggressor",
    "trafficking_status": "whether {who} is a victim of trafficking",
    "trafficking_conduct": "whether {who} took part in trafficking",
    "compelled_conduct": "whether the conduct {who} is charged with was compelled (by a trafficker)",
    "minor_evidence": "whether there is evidence that {who} knew the other person was a minor",
}


def need_words(need: str, who: str) -> str:
    """What to find out, in plain words, for one need of a `review` decision."""
    return NEED_WORDS.get(need, need.replace("_", " ")).format(who=who)
