"""Messages of the core in English and French, without Django.

Every message the core gives a person — the errors it raises and the notes of the lenient
REFI-QDA reader — is a :class:`Message`: a ``str`` holding the English text (so logs, the command
line and ``str(error)`` read as before) that also keeps its English *template* and parameters.
:func:`render` gives it in another language from :data:`CATALOGUE`, a dict from the English
template to its translation (``{name}`` fields; conversions such as ``!r`` may differ). Parameters
that are themselves messages (``what`` = "a code", "source 'E01'") are translated first. A template
missing from the catalogue falls back to English.

Errors are :class:`QdaError` (a ``ValueError``; :class:`QdaLookupError` is also a ``KeyError``),
with the message in ``error.message``. The platform calls ``render(error, get_language())``.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "fr")


class Message(str):
    """English text of a message, with its template and parameters for other languages."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Message:
        obj = super().__new__(cls, template.format(**params))
        obj.template = template
        obj.params = params
        return obj

    def __reduce__(self) -> tuple[Any, ...]:  # pickling (Celery results, multiprocessing)
        return (_rebuild, (self.template, self.params))

    def in_language(self, language: str | None) -> str:
        """The message in ``language`` (``"fr"``, ``"fr-FR"``, ``"en"``...), English if unknown."""
        table = CATALOGUE.get((language or "en").split("-")[0].split("_")[0].lower(), {})
        params = {
            k: v.in_language(language) if isinstance(v, Message) else v
            for k, v in self.params.items()
        }
        template = table.get(self.template, self.template)
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):  # a faulty translation: English instead
            return self.template.format(**params)


def _rebuild(template: str, params: dict[str, Any]) -> Message:
    return Message(template, **params)


def msg(template: str, **params: Any) -> Message:
    """A message from its English template (``str.format`` fields)."""
    return Message(template, **params)


class QdaError(ValueError):
    """An error of the core; ``message`` is a :class:`Message`."""

    def __init__(self, template: str | Message, **params: Any) -> None:
        self.message = template if isinstance(template, Message) else Message(template, **params)
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)


class QdaLookupError(QdaError, KeyError):
    """Something asked by name does not exist (also a ``KeyError``)."""


def render(item: Any, language: str | None) -> str:
    """A message, an error of the core or any other exception, in ``language``."""
    message = getattr(item, "message", item) if isinstance(item, BaseException) else item
    if isinstance(message, Message):
        return message.in_language(language)
    if isinstance(item, KeyError) and item.args:
        return str(item.args[0])
    return str(message)


CATALOGUE: dict[str, dict[str, str]] = {
    "en": {},
    "fr": {
        # objects named in messages
        "a code": "un code",
        "a source": "une source",
        "a selection": "une sélection",
        "a coding": "un codage",
        "a note": "une note",
        "a set": "un ensemble",
        "a link": "un lien",
        "a user": "un utilisateur",
        "a variable": "une variable",
        "a case": "un cas",
        "the project": "le projet",
        "code {name!r}": "le code « {name} »",
        "source {name!r}": "la source « {name} »",
        "case {name!r}": "le cas « {name} »",
        # reader notes (what lenient reading repaired or dropped)
        "invalid GUID {value!r} on {what}: replaced by a new one": "GUID invalide « {value} » sur {what} : remplacé par un nouveau",
        "invalid colour {value!r} on {what}: dropped": "couleur invalide « {value} » sur {what} : ignorée",
        "invalid date-time {value!r} on {what}: dropped": "date-heure invalide « {value} » sur {what} : ignorée",
        "path {path!r} of {what} has no internal:// scheme: looked up in sources/": "le chemin « {path} » de {what} n'a pas de schéma internal:// : cherché dans sources/",
        "file {path!r} of {what} is missing from the archive": "le fichier « {path} » de {what} manque dans l'archive",
        "{count} GUIDs written with braces {{}}: braces removed": "{count} GUID écrits entre accolades {{}} : accolades retirées",
        "{count} lower-case GUIDs: upper-cased": "{count} GUID en minuscules : mis en majuscules",
        "duplicate code GUID {guid}: second code given a new GUID": "GUID de code en double {guid} : le second code reçoit un nouveau GUID",
        "code {name!r} has no isCodable: taken as codable": "le code « {name} » n'a pas d'attribut isCodable : considéré comme codable",
        "created non-codable group {name!r} from code names": "groupe non codable « {name} » créé d'après les noms des codes",
        "hierarchy rebuilt from {count} code names written as paths": "hiérarchie reconstruite d'après {count} noms de codes écrits comme des chemins",
        "value of an unknown variable on {owner}: dropped": "valeur d'une variable inconnue sur {owner} : ignorée",
        "{what} is not UTF-8: read as Windows-1252": "{what} n'est pas en UTF-8 : lu en Windows-1252",
        "source {name!r}: CRLF line ends normalised to LF": "source « {name} » : fins de ligne CRLF ramenées à LF",
        "{what}: plain text rebuilt from its rich text file": "{what} : texte brut reconstruit à partir de son fichier de texte enrichi",
        "{what}: rich text unreadable ({error})": "{what} : texte enrichi illisible ({error})",
        "{what} has no readable text: dropped with its selections": "{what} n'a pas de texte lisible : ignorée avec ses sélections",
        "selection {guid} in {what} has no valid positions: dropped": "la sélection {guid} de {what} n'a pas de positions valides : ignorée",
        "coding without CodeRef in {what}: dropped": "codage sans CodeRef dans {what} : ignoré",
        "{what}: codings of the whole source are not supported: dropped": "{what} : les codages de la source entière ne sont pas pris en charge : ignorés",
        "empty <{tag}/> container ignored": "conteneur vide <{tag}/> ignoré",
        "namespace {namespace!r} read as {expected!r}": "espace de noms « {namespace} » lu comme « {expected} »",
        "codings referring to unknown codes: dropped": "codages renvoyant à des codes inconnus : ignorés",
        "NoteRef to missing note {guid}: dropped": "NoteRef vers une note absente {guid} : ignorée",
        "link {name!r} to an unknown object: dropped": "lien « {name} » vers un objet inconnu : ignoré",
        "variable {name!r}: unknown type {type!r} read as Text": "variable « {name} » : type inconnu « {type} » lu comme Text",
        "<{tag}> {name!r} not supported (text only): dropped": "<{tag}> « {name} » non pris en charge (texte seulement) : ignoré",
        "<Graphs> not supported: dropped": "<Graphs> non pris en charge : ignoré",
        "project read from {name!r} instead of project.qde": "projet lu depuis « {name} » au lieu de project.qde",
        "note {name!r}": "la note « {name} »",
        "bad {tag} {value!r} of {variable!r} on {owner}: dropped": "valeur {tag} incorrecte « {value} » de « {variable} » sur {owner} : ignorée",
        "case {name!r}: REFI-QDA cannot attach notes to a case; its notes are exported unattached": "cas « {name} » : REFI-QDA ne peut pas rattacher de notes à un cas ; ses notes sont "
        "exportées sans rattachement",
        "selection [{start}, {end}) outside {what} ({length} characters): dropped": "sélection [{start}, {end}) hors de {what} ({length} caractères) : ignorée",
        "source {name!r}: CRLF line ends normalised to LF, offsets counted with CR remapped": "source « {name} » : fins de ligne CRLF ramenées à LF, positions comptées avec CR "
        "recalculées",
        "{count} archive files found despite a different letter case (e.g. {example!r}, Sources/ "
        "for sources/)": "{count} fichiers de l'archive trouvés malgré une casse différente (par exemple "
        "« {example} », Sources/ pour sources/)",
        # errors
        "not well-formed XML: {error}": "XML mal formé : {error}",
        "root element is <{tag}>, expected <{expected}>": "l'élément racine est <{tag}>, <{expected}> attendu",
        "not a .qdpx archive (zip): {error}": "ce n'est pas une archive .qdpx (zip) : {error}",
        "the archive holds no project.qde": "l'archive ne contient pas de project.qde",
        "a codebook needs at least one code": "un livre de codes doit contenir au moins un code",
        "export fails {schema}: {errors}": "l'export ne respecte pas {schema} : {errors}",
        "unreadable .docx: {error}": "fichier .docx illisible : {error}",
        "unreadable .odt: {error}": "fichier .odt illisible : {error}",
        "unsupported transcript format {ext!r} (expected one of {expected})": "format de transcription non pris en charge « {ext} » (attendu : {expected})",
        "the cases CSV has no rows": "le fichier CSV des cas n'a aucune ligne",
        "no column {column!r} in the cases CSV": "pas de colonne « {column} » dans le fichier CSV des cas",
        "case {case}: bad {type} {value!r} in {column!r}": "cas {case} : valeur {type} incorrecte « {value} » dans « {column} »",
        "no document {ref!r}": "pas de document « {ref} »",
        "no code named {path!r}": "pas de code nommé « {path} »",
        "no user {ref!r}": "pas d'utilisateur « {ref} »",
        "no attribute {name!r}": "pas d'attribut « {name} »",
        "selection [{start}, {end}) outside the text of {name!r}": "sélection [{start}, {end}) hors du texte de « {name} »",
        "code {name!r} is not codable": "le code « {name} » n'est pas codable",
        "the replacement list is empty": "la liste des remplacements est vide",
        "unknown pseudonymisation key version": "version de clé de pseudonymisation inconnue",
        "not a locked pseudonymisation key": "ce n'est pas une clé de pseudonymisation verrouillée",
        "wrong passphrase or damaged key": "phrase secrète erronée ou clé endommagée",
    },
}
