"""Hand-written toy grammars shared by the PCFG tests (the source gives none)."""

CNF = """
S -> NP VP [1.0]
NP -> Det N [0.5] | 'she' [0.3] | NP PP [0.2]
VP -> V NP [0.6] | VP PP [0.3] | 'sleeps' [0.1]
PP -> P NP [1.0]
Det -> 'the' [0.6] | 'a' [0.4]
N -> 'dog' [0.5] | 'telescope' [0.3] | 'man' [0.2]
V -> 'saw' [0.7] | 'walks' [0.3]
P -> 'with' [0.6] | 'in' [0.4]
"""

# Not in CNF: unary rules and a chain (S -> VP -> V), rules of three symbols, terminals
# inside longer rules ('and', '.').
MIXED = """
S -> NP VP [0.6] | VP [0.15] | NP VP '.' [0.25]
NP -> Det N [0.4] | Det Adj N [0.2] | Name [0.3] | NP 'and' NP [0.1]
Name -> 'she' [0.6] | 'bob' [0.4]
VP -> V NP [0.45] | V [0.25] | V NP PP [0.2] | VP Adv [0.1]
PP -> P NP [1.0]
Adv -> 'quickly' [0.7] | 'today' [0.3]
Det -> 'the' [0.7] | 'a' [0.3]
Adj -> 'big' [0.8] | 'old' [0.2]
N -> 'dog' [0.6] | 'park' [0.4]
V -> 'saw' [0.55] | 'ran' [0.45]
P -> 'in' [1.0]
"""

CNF_SENTENCES = [
    "she sleeps",
    "she saw the man with the telescope",
    "a dog walks she",
    "the man saw a dog in the telescope with she",
]

MIXED_SENTENCES = [
    "ran",
    "she ran .",
    "bob saw the big dog in a park",
    "the old dog ran quickly today .",
    "she and bob saw a park",
]
