"""Default public names: a French animal with an agreeing adjective and a number."""

from __future__ import annotations

import secrets

# (noun, grammatical gender)
ANIMALS: tuple[tuple[str, str], ...] = (
    ("Hérisson", "m"), ("Renard", "m"), ("Blaireau", "m"), ("Castor", "m"), ("Héron", "m"),
    ("Lynx", "m"), ("Chamois", "m"), ("Martin-pêcheur", "m"), ("Bouvreuil", "m"),
    ("Écureuil", "m"), ("Lièvre", "m"), ("Hibou", "m"), ("Goéland", "m"), ("Bouquetin", "m"),
    ("Loutre", "f"), ("Chouette", "f"), ("Mésange", "f"), ("Hirondelle", "f"), ("Marmotte", "f"),
    ("Fouine", "f"), ("Libellule", "f"), ("Salamandre", "f"), ("Abeille", "f"), ("Grenouille", "f"),
    ("Cigogne", "f"), ("Tortue", "f"), ("Belette", "f"), ("Alouette", "f"),
)
# (masculine, feminine)
ADJECTIVES: tuple[tuple[str, str], ...] = (
    ("curieux", "curieuse"), ("malicieux", "malicieuse"), ("joyeux", "joyeuse"),
    ("attentif", "attentive"), ("créatif", "créative"), ("vif", "vive"), ("patient", "patiente"),
    ("prudent", "prudente"), ("bavard", "bavarde"), ("rêveur", "rêveuse"), ("têtu", "têtue"),
    ("discret", "discrète"), ("inventif", "inventive"), ("serein", "sereine"), ("agile", "agile"),
    ("sage", "sage"), ("tenace", "tenace"), ("espiègle", "espiègle"), ("calme", "calme"),
    ("solidaire", "solidaire"), ("enjoué", "enjouée"), ("matinal", "matinale"),
)


def generate_pseudonym() -> str:
    """A pseudonym such as "Loutre curieuse 42" (about 60,000 combinations)."""
    noun, gender = secrets.choice(ANIMALS)
    masculine, feminine = secrets.choice(ADJECTIVES)
    adjective = feminine if gender == "f" else masculine
    return f"{noun} {adjective} {secrets.randbelow(90) + 10}"
