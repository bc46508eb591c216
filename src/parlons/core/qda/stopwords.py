"""French stop words for word-frequency queries (function words and very common verbs)."""

from __future__ import annotations

FRENCH_STOP_WORDS = frozenset(
    """
    a à ai aie aient aies ait alors as au aucun aucune aujourdhui auquel aura aurai auraient
    aurais aurait auras aurez auriez aurions aurons auront aussi autre autres aux auxquelles
    auxquels avaient avais avait avant avec avez aviez avions avoir avons ayant ayez ayons bah
    beaucoup bien c ça car ce ceci cela celle celles celui cependant certain certaine certains
    ces cet cette ceux chacun chaque chez ci comme comment d dans de des desquelles desquels
    depuis donc dont du duquel dû elle elles en encore entre es est et étaient étais était
    étant été êtes étiez étions être eu eue eues eûmes eurent eus eusse eussent eusses eussiez
    eussions eut eût eux euh fait faire fais ferai fois font fûmes furent fus fusse fussent
    fut fût hein hui ici il ils j je jusqu l la là laquelle le lequel les lesquelles lesquels
    leur leurs lui m ma mais me même mêmes mes moi mon n ne ni nos notre nous o on ont ou où
    oui par parce pas peu peut plus pour pourquoi qu quand que quel quelle quelles quels qui
    quoi s sa sans se sera serai seraient serais serait seras serez seriez serions serons
    seront ses si sien sienne siens soi soient sois soit sommes son sont suis sur t ta te tes
    toi ton tous tout toute toutes très tu un une unes uns v va vais vas voilà vont vos votre
    vous vu y avoir être faire aller dire pouvoir vouloir devoir savoir falloir
    """.split()  # noqa: SIM905 - readable as a block of words
)
