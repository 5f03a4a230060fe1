"""The rules-and-lexicon task classifier the learned model replaced (pipelines/classify/
model.py): kept only as the baseline `tokenroi classify-eval` prints beside the model.

docs/rules.md "Task class": planning decides what to build or how; implementation produces or
changes code, config, tests or docs; trivial is work-related but needs no reasoning
(acknowledgements, one-line look-ups, renames and formatting); non_work is not about the
job. English lexicons only.

Order matters: non-work first (a recipe is never work), then acknowledgements and short
look-ups, then planning when its vocabulary outweighs implementation's, else implementation.
"""

from __future__ import annotations

import re

NON_WORK = re.compile(
    r"\b(how'?s it going|how are (you|things)|what'?s up|good morning|hey there|"
    r"weather|rain(ing)?|snow|cold does it get|recipe|cook|dinner|breakfast|lunch|meal|menu|"
    r"calories?|macros|diet|keto|protein|smoothie|sourdough|"
    r"boil an egg|cold brew|wine|pizza|restaurant|"
    r"workout|gym|marathon|running shoe|stretch after|steps should i walk|sleep|"
    r"itinerary|trip to|flights? to|hotel|vacation|holiday|beach|things to do in|"
    r"what to see in|time to visit|hiking|travel|surf(ing)?|this weekend in|"
    r"movies?|netflix|series like|documentary|podcast|novel|playlist|song|board games|zelda|"
    r"poem|haiku|limerick|joke|fun fact|horoscope|"
    r"birthday|wedding|anniversary|gift|toast for|party|"
    r"champions league|super bowl|nba|nfl|lakers|tennis|soccer|football|arsenal|offside|"
    r"the score of|who won|match start|game start|"
    r"puppy|golden retriever|my cat|my dog|bonsai|houseplants?|landlord|leaky faucet|"
    r"wine out of|carpet|wasp|tip in the us|capital of|translate .* to (italian|spanish|"
    r"french|german|japanese)|favorite movie|who would win|pack for|octopus)\b"
)
# Work that borrows a non-work word ("macros in vim", "a weather API", "score function").
NOT_NON_WORK = re.compile(
    r"\b(vim|excel|rust|lisp|c|sas) macros?\b|macros? (in|for) (vim|excel|rust|lisp|c|sas)\b|"
    r"weather api|score (function|column)|match (statement|expression)"
)
ACKNOWLEDGEMENT = re.compile(
    r"^(thanks?( you)?|thx|ok(ay)?( now commit| go ahead)?|yes( please)?|yep|yeah|no|nope|"
    r"continue|please continue|keep going|go ahead|do it|next|done\??|perfect|great( thanks)?|"
    r"cool|nice|good|looks good|lgtm|sounds good|that works|that'?s it( thanks)?|try again|"
    r"one more time)[.! ]*$"
)
LOOKUP_START = re.compile(
    r"^(what('?s| is| does| are)|how (do i|to)|command to|syntax for|shortcut|which command)\b"
)
MECHANICAL_EDIT = re.compile(
    r"^(rename|fix the (typo|indentation)|format (this|the)|sort (these|the) imports|"
    r"remove the (unused|trailing)|capitalize|convert this to|change (single|double) quotes|"
    r"wrap this line|add a newline)\b"
)
PLANNING = re.compile(
    r"\b(plan|planning|design|architect\w*|trade-?offs?|compare|versus|vs\.?|roll ?out|"
    r"strategy|roadmap|rfc|decision record|propos\w+|should we|options|evaluate|assess|"
    r"break( [\w-]+){1,3} down|break down|milestones?|sequence|phases?|phased|recommend\w*|"
    r"decide|decision|pros and cons|how should we|how would you|what'?s the right|boundar\w+|"
    r"threat model|estimate|capacity|review (this|my|the) (design|plan|proposal|migration)|"
    r"outline|sketch|think (through|about)|map out|poke holes|approach|weigh|"
    r"migration path|best way to structure|prioriti[sz]e|structure the|ownership)\b"
)
IMPLEMENTATION = re.compile(
    r"\b(implement|write (a|the|an|integration|unit|docs)|fix|add|refactor|debug|tests?|bug|"
    r"error|exception|trace|backtrace|crash\w*|script|endpoint|function|hook|patch|"
    r"optimi[sz]e|convert|port|make the|change the|update the|generate|resolve|migration|"
    r"manifests?|dockerfile|query|leaks?|deadlock|race condition|flaky|segfault|typeerror)\b"
)
MAX_LOOKUP_WORDS = 14


def classify(prompt: str | None) -> str:
    """planning | implementation | trivial | non_work, or unknown without a prompt."""
    if prompt is None or not prompt.strip():
        return "unknown"
    text = " ".join(prompt.lower().split())
    if NON_WORK.search(text) and not NOT_NON_WORK.search(text):
        return "non_work"
    if ACKNOWLEDGEMENT.match(text) or MECHANICAL_EDIT.match(text):
        return "trivial"
    planning = len(PLANNING.findall(text))
    implementation = len(IMPLEMENTATION.findall(text))
    if LOOKUP_START.match(text) and len(text.split()) <= MAX_LOOKUP_WORDS and not planning:
        return "trivial"
    if planning and planning >= implementation:
        return "planning"
    return "implementation"
