"""French stop words (accent-folded), used after lemmatisation."""

from __future__ import annotations

_WORDS = """
    a ai aie aient aies ait alors as au aucun aucune aujourd aujourdhui auquel aura aurai
    auraient aurais aurait auras aurez auriez aurions aurons auront aussi autre autres aux
    auxquelles auxquels avaient avais avait avant avec avez aviez avions avoir avons ayant
    ayez ayons bah beaucoup bien bon c ca car ce ceci cela celle celles celui cependant
    certain certaine certains ces cet cette ceux chacun chaque chez ci comme comment d dans
    de des desquelles desquels depuis devoir doit donc dont du duquel elle elles en encore
    entre es est et etaient etais etait etant ete etes etiez etions etre eu eue eues eumes
    eurent eus eusse eussent eut eux euh fait faire fais fois font fumes furent fus fut hein
    hui ici il ils j je jusqu jusque l la laquelle le lequel les lesquelles lesquels leur
    leurs lui m ma mais me meme memes mes moi mon n ne ni non nos notre nous o on ont ou oui
    par parce pas peu peut plus pour pourquoi pouvoir qu quand que quel quelle quelles quels
    qui quoi s sa sans se sera serai seraient serais serait seras serez seriez serions
    serons seront ses si sien sienne siens soi soient sois soit sommes son sont suis sur t
    ta te tes toi ton tous tout toute toutes tres tu un une unes uns v va vais vas voila
    vont vos votre vous vu y aller dire vouloir savoir falloir etc cest ya lors afin ainsi
    deja tant trop tel telle tels telles plusieurs url email
"""

STOP_WORDS_FR = frozenset(_WORDS.split())
