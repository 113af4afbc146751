from __future__ import annotations

import pytest

from coach.intent import Intent, classify, days_asked, normalise


@pytest.mark.parametrize(
    "text",
    [
        "how should I train today?",
        "How should I train today",
        "what should I do today",
        "should I do intervals?",
        "Can I go hard today?",
        "am I ready for a hard ride?",
        "what's my workout today",
        "is it ok to run this morning?",
        "Training today?",
    ],
)
def test_training_questions_reach_the_coach(text: str) -> None:
    assert classify(text) is Intent.TODAY


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hello", Intent.GREETING),
        ("Good morning!", Intent.GREETING),
        ("what can you do?", Intent.HELP),
        ("what is the meaning of life", Intent.UNKNOWN),
        ("show me user 42's sleep", Intent.UNKNOWN),
        ("I love pizza", Intent.UNKNOWN),
    ],
)
def test_other_messages(text: str, intent: Intent) -> None:
    assert classify(text) is intent


@pytest.mark.parametrize(
    "text",
    [
        "What should I do tomorrow?",
        "how much should I ride this week?",
        "should I do intervals tomorrow?",
        "what's my plan for next week",
        "what's on the plan this weekend?",
    ],
)
def test_questions_about_the_days_ahead_go_to_the_plan(text: str) -> None:
    assert classify(text) is Intent.PLAN


def test_today_wins_over_the_days_ahead() -> None:
    assert classify("should I ride today or tomorrow?") is Intent.TODAY


# Each intent in each language: (text, intent). Accents are optional, and so is the question mark.
QUESTIONS: dict[Intent, dict[str, list[str]]] = {
    Intent.TODAY: {
        "en": ["how should I train today?", "what's my workout this morning"],
        "de": ["Wie soll ich heute trainieren?", "Was soll ich heute machen?", "Kann ich heute hart fahren?"],
        "es": ["¿Cómo debo entrenar hoy?", "¿Qué entreno hoy?", "Esta mañana, ¿puedo rodar fuerte?"],
        "fr": ["Comment m'entraîner aujourd'hui ?", "comment m'entrainer aujourd'hui", "Je roule fort ce matin ?"],
    },
    Intent.PLAN: {
        "en": ["should I do intervals tomorrow?", "how much should I ride this week?"],
        "de": ["Was soll ich morgen machen?", "Wie viel soll ich diese Woche fahren?", "Was steht am Wochenende an?"],
        "es": ["¿Qué hago mañana?", "¿Cuánto debo rodar esta semana?", "¿Qué entreno mañana por la mañana?"],
        "fr": ["Que dois-je faire demain ?", "Combien dois-je rouler cette semaine ?", "mon plan pour le week-end ?"],
    },
    Intent.REST: {
        "en": ["should i rest", "Do I need a rest day?", "can I take the day off?"],
        "de": ["Ruhetag?", "Soll ich heute lieber ausruhen?", "Pause heute?"],
        "es": ["¿Debo descansar hoy?", "¿Hoy toca descanso?", "¿Me tomo el día libre?"],
        "fr": ["Repos aujourd'hui ?", "Je dois me reposer ?", "Jour de repos ?"],
    },
    Intent.ILLNESS: {
        "en": ["I'm sick", "I have a fever", "sore throat today, can I ride?", "I feel ill", "I've got a cold"],
        "de": ["Ich bin krank", "Ich habe Fieber", "Halsschmerzen, soll ich trainieren?", "ich bin erkältet"],
        "es": ["Estoy enfermo", "estoy enferma", "Tengo fiebre", "Tengo dolor de garganta", "Estoy resfriada"],
        "fr": ["Je suis malade", "J'ai de la fièvre", "j'ai de la fievre", "J'ai mal à la gorge", "mal de gorge"],
    },
    Intent.SORE_LEGS: {
        "en": ["my legs are sore", "heavy legs today", "I'm really sore", "DOMS from yesterday"],
        "de": ["Meine Beine sind schwer", "Ich habe Muskelkater", "Beine sind müde", "beine sind muede"],
        "es": ["Tengo las piernas cargadas", "Tengo agujetas", "Me duelen las piernas"],
        "fr": ["J'ai les jambes lourdes", "J'ai des courbatures", "mal aux jambes"],
    },
    Intent.SLEPT_BADLY: {
        "en": ["I slept badly", "bad night, what now?", "I didn't sleep well", "barely slept"],
        "de": ["Ich habe schlecht geschlafen", "kaum geschlafen", "Schlechte Nacht gehabt"],
        "es": ["Dormí mal", "dormi fatal", "No he dormido bien", "Mala noche"],
        "fr": ["J'ai mal dormi", "J'ai peu dormi", "Nuit blanche"],
    },
    Intent.RACE: {
        "en": ["when is my next race?", "am I ready for my race?", "how many days to race day?"],
        "de": ["Wann ist mein nächster Wettkampf?", "Bin ich bereit für mein Rennen?", "nächstes Rennen?"],
        "es": ["¿Cuándo es mi próxima carrera?", "¿Estoy listo para la carrera?", "mi competición"],
        "fr": ["Quand est ma prochaine course ?", "Suis-je prêt pour ma compétition ?", "ma course"],
    },
}
CASES = [
    pytest.param(text, intent, id=f"{intent}-{language}-{i}")
    for intent, by_language in QUESTIONS.items()
    for language, texts in by_language.items()
    for i, text in enumerate(texts)
]


@pytest.mark.parametrize(("text", "intent"), CASES)
def test_each_intent_in_each_language(text: str, intent: Intent) -> None:
    assert classify(text) is intent


@pytest.mark.parametrize(("text", "intent"), CASES)
def test_case_accents_and_punctuation_do_not_matter(text: str, intent: Intent) -> None:
    assert classify(text.upper()) is intent
    assert classify(normalise(text)) is intent
    assert classify(text.rstrip("?! ")) is intent


@pytest.mark.parametrize(
    "text",
    [
        "I love pizza",
        "what's the capital of Peru?",
        "Ich liebe Pizza",
        "Wie heißt die Hauptstadt von Peru?",
        "Me gusta la pizza",
        "¿Cuál es la capital de Perú?",
        "J'aime la pizza",
        "Quelle est la capitale du Pérou ?",
        "the rest of my life",
        "I'll call you later",
    ],
)
def test_unrelated_text_is_unknown(text: str) -> None:
    assert classify(text) is Intent.UNKNOWN


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("riding in the cold today?", Intent.TODAY),  # the weather, not an illness
        ("should I do a race pace workout today?", Intent.TODAY),  # a workout, not a race
        ("Guten Morgen, was soll ich trainieren?", Intent.TODAY),  # a greeting, not tomorrow
        ("Guten Morgen!", Intent.GREETING),
        ("Bonjour", Intent.GREETING),
        ("¿Qué puedes hacer?", Intent.HELP),
        ("should I rest tomorrow?", Intent.PLAN),
        ("I have a fever, should I ride tomorrow?", Intent.ILLNESS),  # the illness is what matters
    ],
)
def test_near_misses(text: str, intent: Intent) -> None:
    assert classify(text) is intent


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("what should I do tomorrow?", "tomorrow"),
        ("Was soll ich morgen machen?", "tomorrow"),
        ("¿Qué hago mañana?", "tomorrow"),
        ("Que dois-je faire demain ?", "tomorrow"),
        ("how much should I ride this week?", "this week"),
        ("Wie viel soll ich diese Woche fahren?", "this week"),
        ("¿Cuánto debo rodar esta semana?", "this week"),
        ("Combien dois-je rouler cette semaine ?", "this week"),
        ("Und nächste Woche?", "next week"),
        ("¿y la semana que viene?", "next week"),
        ("et le week-end ?", "weekend"),
    ],
)
def test_the_days_asked_about_in_each_language(text: str, days: str) -> None:
    assert days_asked(text) == days


@pytest.mark.parametrize(
    "text",
    [
        "I'm not sick any more, can I train today?",
        "no fever now, should I ride today?",
        "Ich bin nicht mehr krank, soll ich heute trainieren?",
        "Kein Fieber mehr, kann ich heute fahren?",
        "Ya no estoy enfermo, ¿puedo entrenar hoy?",
        "Je ne suis plus malade, je peux rouler aujourd'hui ?",
    ],
)
def test_well_again_is_not_an_illness(text: str) -> None:
    assert classify(text) is Intent.TODAY
