"""What a free-text message asks for. Keyword rules, no model: cheap, predictable and testable.

The questions athletes actually ask are recognised in English, German, Spanish and French: how to train
today and its paraphrases, the days ahead ("what should I do tomorrow?", "how much should I ride this
week?"), whether to rest, "I'm sick / I have a fever", "my legs are sore", "I slept badly", and questions
about their race. Everything else is reported as unknown so the bot can say honestly what it can do.

Text is compared without case and without accents ("fièvre" and "fievre", "müde" and "muede" match), and
the intent returned is the same whatever the language.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Intent(StrEnum):
    TODAY = "today"
    PLAN = "plan"  # tomorrow, this week, next week: the plan's days ahead
    REST = "rest"  # rest today or not
    ILLNESS = "illness"  # "I'm sick", a fever, a sore throat: an illness check-in (a hard veto)
    SORE_LEGS = "sore_legs"
    SLEPT_BADLY = "slept_badly"
    RACE = "race"  # my race, my next race
    GREETING = "greeting"
    HELP = "help"
    UNKNOWN = "unknown"


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def normalise(text: str) -> str:
    """Lower case, German umlauts spelled out (ü → ue), other accents dropped, ’ → ', one space between words."""
    lowered = text.lower().replace("’", "'").replace("`", "'").translate(_UMLAUTS)
    decomposed = unicodedata.normalize("NFKD", lowered)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"[¿¡?!.,;:]", " ", plain)
    return " ".join(plain.split())


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


# Greetings that name a time of day are not about that day: "guten Morgen" is not "tomorrow".
_SALUTATIONS = re.compile(r"\b(?:guten morgen|good morning|buenos dias|bonjour)\b")

_GREETING = re.compile(
    r"^(?:hi|hello|hey|good morning|morning|yo|hallo|hola|servus|moin|guten morgen|guten tag|buenos dias|"
    r"buenas|bonjour|salut|coucou)\b[ ]*$"
)
_HELP = _words(
    "help",
    "what can you do",
    "commands",
    "how does this work",
    "hilfe",
    "was kannst du",
    "ayuda",
    "que puedes hacer",
    "aide",
    "que sais-tu faire",
    "qu'est-ce que tu sais faire",
)

_ILLNESS = _words(
    # English
    r"sick",
    r"(?:i'm|im|i am|feel|feeling|felt|got|getting|be|been) (?:a bit |a little |quite |really |very )?(?:ill|unwell)",
    r"fever",
    r"feverish",
    r"(?:have|got|running|with) a (?:high |slight )?temperature",
    r"sore throat",
    r"throat is sore",
    r"(?:got|have|caught|getting|with|fighting|has) a (?:bad |nasty |head )?cold",
    r"flu",
    r"covid",
    r"infection",
    r"cough(?:ing)?",
    # German
    r"krank",
    r"kranke[rn]?",
    r"erkrankt",
    r"fieber",
    r"halsschmerzen",
    r"halsweh",
    r"hals tut weh",
    r"erkaeltet",
    r"erkaeltung",
    r"grippe",
    r"infekt",
    r"husten",
    # Spanish
    r"enferm[oa]",
    r"fiebre",
    r"dolor de garganta",
    r"me duele la garganta",
    r"resfriad[oa]",
    r"constipad[oa]",
    r"gripe",
    r"tos",
    r"estoy mal[oa]",
    # French
    r"malade",
    r"fievre",
    r"mal (?:de|a la) gorge",
    r"rhume",
    r"enrhume(?:e)?",
    r"de la temperature",
    r"toux",
)

# "I'm not sick any more", "kein Fieber", "ya no estoy enfermo", "je ne suis plus malade": well again.
_WELL_AGAIN = _words(
    r"(?:not|no longer|no more|not feeling) (?:sick|ill|unwell)",
    r"(?:no|without a) (?:fever|temperature)",
    r"fever (?:is|has) gone",
    r"over (?:my|the) (?:cold|flu|illness)",
    r"recovered",
    r"(?:healthy|well) again",
    r"nicht (?:mehr )?krank",
    r"kein fieber",
    r"fieber ist weg",
    r"wieder gesund",
    r"(?:ya no|no) estoy enferm[oa]",
    r"sin fiebre",
    r"ya (?:estoy|me encuentro) bien",
    r"(?:ne suis|suis) (?:plus|pas) malade",
    r"(?:plus|pas) de fievre",
    r"gueri(?:e)?",
)

_SORE_LEGS = re.compile(
    r"\b(?:legs?|quads?|hamstrings?|calves|muscles?)\b.*\b(?:sore|heavy|dead|tired|aching|ache|achy|hurt|hurts|"
    r"stiff|toast|trashed|fried|cooked)\b"
    r"|\b(?:sore|heavy|dead|tired|aching|achy|stiff)\b (?:legs|muscles|quads|calves)\b"
    r"|\bdoms\b|\b(?:i'm|im|i am|feeling) (?:so |really |very |a bit |quite )?sore\b"
    # German
    r"|\bmuskelkater\b|\b(?:beine|waden|oberschenkel|muskeln)\b.*\b(?:schwer|muede|kaputt|weh|schmerzen|platt|"
    r"fest|hart|leer|brennen)\b|\bschwere beine\b"
    # Spanish
    r"|\bagujetas\b|\bpiernas\b.*\b(?:cargadas|pesadas|cansadas|doloridas|muertas|duras|reventadas)\b"
    r"|\bme duelen (?:las |mis )?(?:piernas|musculos|gemelos|cuadriceps)\b|\bdolor (?:muscular|de piernas)\b"
    # French
    r"|\bcourbatur\w*|\bjambes\b.*\b(?:lourdes|fatiguees|cassees|mortes|douloureuses|raides|dures)\b"
    r"|\bmal aux (?:jambes|cuisses|mollets|muscles)\b"
)

_SLEPT_BADLY = _words(
    # English
    r"slept (?:badly|poorly|bad|terribly|terrible|awful|awfully|horribly|little|only|very little|like crap)",
    r"(?:bad|poor|rough|terrible|awful|short|sleepless) (?:night|sleep)",
    r"(?:didn't|did not|couldn't|could not|barely|hardly|can't|cannot) (?:really )?sleep",
    r"(?:no|little|not enough) sleep",
    r"(?:barely|hardly|only) slept",
    r"insomnia",
    # German
    r"(?:schlecht|kaum|wenig|nicht gut|nicht|mies|unruhig|kurz) geschlafen",
    r"(?:schlechte|kurze|unruhige|schlaflose) nacht",
    r"nicht schlafen (?:koennen|konnte)",
    r"konnte nicht schlafen",
    r"schlaflos",
    r"zu wenig schlaf",
    # Spanish
    r"dormi (?:mal|poco|fatal|muy mal|muy poco|regular)",
    r"(?:he|ha) dormido (?:mal|poco|fatal|muy mal|muy poco)",
    r"no (?:he )?(?:dormi|dormido|pude dormir)(?: bien| nada)?",
    r"mala noche",
    r"noche (?:mala|en vela|fatal)",
    r"insomnio",
    # French
    r"(?:mal|peu|pas|pas bien|pas assez|tres mal|tres peu) dormi",
    r"(?:mauvaise|courte) nuit",
    r"nuit (?:blanche|courte|agitee)",
    r"insomnie",
)

_RACE = _words(
    # English
    r"(?:my|next|the|upcoming|goal) (?:next |upcoming |big |goal |a |b |c )?(?:race|event|competition|sportive|"
    r"gran fondo|marathon|triathlon|races|events)",
    r"race day",
    # German
    r"wettkampf\w*",
    r"wettkaempfe\w*",
    r"(?:mein|meinem|meinen|naechste[nms]?|das|dem|zum) (?:naechste[nms]? )?rennen",
    r"renntag",
    # Spanish
    r"(?:mi|mis|la|proxima|siguiente|la proxima) (?:proxima )?(?:carrera|carreras|competicion|maraton|"
    r"triatlon)",
    r"competicion(?:es)?",
    r"dia de (?:la )?carrera",
    # French
    r"(?:ma|mes|prochaine|mon|la prochaine) (?:prochaine )?(?:course|courses|competition|epreuve|marathon|triathlon)",
    r"competitions?",
    r"jour de (?:la )?course",
)

_REST = _words(
    # English
    r"rest(?! of)",
    r"resting",
    r"rest day",
    r"day off",
    r"off day",
    r"(?:take|taking) (?:a|the) day off",
    r"skip (?:it|today|training|today's|the session|my workout|the workout)",
    r"recovery day",
    # German
    r"ruhetag",
    r"ausruhen",
    r"pause",
    r"pausieren",
    r"erholungstag",
    r"frei nehmen",
    r"freinehmen",
    r"trainingsfrei",
    r"aussetzen",
    # Spanish
    r"descansar",
    r"descanso",
    r"dia libre",
    # French
    r"repos",
    r"reposer",
    r"me reposer",
    r"jour off",
    r"relache",
)

_TRAINING = _words(
    # English
    r"train",
    r"training",
    r"workout",
    r"work out",
    r"ride",
    r"riding",
    r"run",
    r"running",
    r"session",
    r"intervals?",
    r"go hard",
    r"push",
    r"ready",
    r"readiness",
    r"recover",
    r"recovery",
    r"easy",
    r"hard",
    r"bike",
    r"cycle",
    r"cycling",
    r"swim",
    r"exercise",
    # German
    r"trainieren",
    r"trainiere",
    r"einheit",
    r"fahren",
    r"radfahren",
    r"rad",
    r"ausfahrt",
    r"laufen",
    r"lauf",
    r"intervalle",
    r"schwimmen",
    r"hart",
    r"locker",
    r"belastung",
    r"bereit",
    r"fit",
    r"machen",
    # Spanish
    r"entrenar",
    r"entreno",
    r"entrenamiento",
    r"sesion",
    r"rodar",
    r"bici",
    r"salir",
    r"correr",
    r"nadar",
    r"intervalos",
    r"series",
    r"fuerte",
    r"suave",
    r"list[oa]",
    r"pedalear",
    # French
    r"entrainer",
    r"m'entrainer",
    r"entraine",
    r"entrainement",
    r"seance",
    r"sortie",
    r"velo",
    r"rouler",
    r"courir",
    r"nager",
    r"fractionne",
    r"intervalles",
    r"fort",
    r"facile",
    r"pret",
    r"prete",
    r"faire",
)
_TODAY = _words(
    # English
    r"today",
    r"todays",
    r"today's",
    r"this morning",
    r"this afternoon",
    r"this evening",
    r"tonight",
    r"now",
    # German
    r"heute",
    r"heut",
    r"jetzt",
    r"gleich",
    # Spanish
    r"hoy",
    r"ahora",
    r"esta manana",
    r"esta tarde",
    r"esta noche",
    # French
    r"aujourd'hui",
    r"aujourdhui",
    r"ce matin",
    r"ce soir",
    r"cet apres-midi",
    r"maintenant",
)
_DECISION = _words(
    # English
    r"should i",
    r"can i",
    r"do i",
    r"what should",
    r"what do i",
    r"how should",
    r"shall i",
    r"is it ok",
    r"am i",
    r"ok to",
    r"plan for",
    # German
    r"soll ich",
    r"sollte ich",
    r"kann ich",
    r"darf ich",
    r"muss ich",
    r"wie soll",
    r"was soll",
    r"was steht",
    r"bin ich",
    r"was mache ich",
    r"was trainiere ich",
    # Spanish
    r"debo",
    r"deberia",
    r"puedo",
    r"tengo que",
    r"como",
    r"que hago",
    r"que entreno",
    r"que toca",
    r"me toca",
    r"estoy",
    # French
    r"dois-je",
    r"je dois",
    r"est-ce que je",
    r"puis-je",
    r"je peux",
    r"comment",
    r"que dois",
    r"quoi faire",
    r"faut-il",
    r"je fais quoi",
    r"que faire",
    r"devrais-je",
    r"je devrais",
    r"suis-je",
)
# "mañana" is tomorrow, but "esta mañana", "por la mañana" and "de la mañana" are a morning.
_AHEAD = re.compile(
    r"\b(?:tomorrow|tomorrow's|this week|next week|the week|rest of the week|weekend|my plan|the plan"
    r"|morgen|uebermorgen|diese woche|naechste woche|die woche|rest der woche|wochenende|mein plan|der plan"
    r"|trainingsplan|(?<!esta )(?<!la )manana|esta semana|proxima semana|semana que viene|la semana|fin de semana"
    r"|finde|mi plan|el plan|demain|apres-demain|cette semaine|semaine prochaine|la semaine|week-end|mon plan"
    r"|le plan)\b"
)
_PLAN_WORDS = _words(
    r"plan",
    r"planned",
    r"schedule",
    r"scheduled",
    r"what's on",
    r"whats on",
    r"geplant",
    r"steht an",
    r"planificado",
    r"previsto",
    r"prevu",
    r"programme",
)

# Which days ahead a question names, as the English words `coach.plan_ahead.horizon` reads.
_NEXT_WEEK = _words(r"next week", r"naechste woche", r"proxima semana", r"semana que viene", r"semaine prochaine")
_WEEKEND = _words(r"weekend", r"wochenende", r"fin de semana", r"finde", r"week-end")
_WEEK = _words(
    r"this week",
    r"the week",
    r"week",
    r"diese woche",
    r"woche",
    r"esta semana",
    r"semana",
    r"cette semaine",
    r"semaine",
)
_TOMORROW = re.compile(r"\b(?:tomorrow|morgen|(?<!esta )(?<!la )manana|demain)\b")


def _clean(text: str) -> str:
    return _SALUTATIONS.sub(" ", normalise(text)).strip()


def classify(text: str) -> Intent:
    t = normalise(text)
    if _GREETING.match(t):
        return Intent.GREETING
    t = _clean(text)
    # What the athlete reports about themselves comes first: it changes today's answer.
    if _ILLNESS.search(t) and not _WELL_AGAIN.search(t):
        return Intent.ILLNESS
    if _SORE_LEGS.search(t):
        return Intent.SORE_LEGS
    if _SLEPT_BADLY.search(t):
        return Intent.SLEPT_BADLY
    if _RACE.search(t):
        return Intent.RACE
    training = bool(_TRAINING.search(t))
    today = bool(_TODAY.search(t))
    decision = bool(_DECISION.search(t))
    rest = bool(_REST.search(t))
    # "what should I do tomorrow?" and "how much should I ride this week?" ask for the days ahead.
    if _AHEAD.search(t) and (training or decision or rest or _PLAN_WORDS.search(t)) and not today:
        return Intent.PLAN
    if rest:  # "should I rest?", "Ruhetag?", "¿debo descansar hoy?"
        return Intent.REST
    # "should I do intervals?", "training today?", and "what should I do today?" all ask for today's plan.
    if (training and (today or decision)) or (today and decision):
        return Intent.TODAY
    if _HELP.search(t):
        return Intent.HELP
    return Intent.UNKNOWN


def days_asked(text: str) -> str:
    """The days ahead a question names, in English words (``"next week"``, ``"weekend"``, ``"this week"``,
    ``"tomorrow"``), so the look-ahead reads a question in any language."""
    t = _clean(text)
    if _NEXT_WEEK.search(t):
        return "next week"
    if _WEEKEND.search(t):
        return "weekend"
    if _WEEK.search(t) and not _TOMORROW.search(t):
        return "this week"
    return "tomorrow"


_VERY = _words(
    r"very",
    r"really",
    r"so",
    r"super",
    r"extremely",
    r"badly",
    r"sehr",
    r"total",
    r"voll",
    r"extrem",
    r"richtig",
    r"muy",
    r"mucho",
    r"muchas",
    r"tantas",
    r"tres",
    r"vraiment",
    r"trop",
    r"grosses?",
)


def very(text: str) -> bool:
    """Whether the message stresses it ("very sore", "sehr schwer", "muy cargadas", "très lourdes")."""
    return bool(_VERY.search(_clean(text)))
