"""The entities beyond the design's five: hardship, relative, no_payment_method, soft_yes.

(``topic`` lives in :mod:`bot.nlu.topics`.) Rules over the folded text (lowercase, no
accents), both languages, forgiving of chat spelling. Values are documented in
:mod:`bot.core.parse`.
"""

from __future__ import annotations

import re
from datetime import date

from bot.core.parse import Entity
from bot.nlu.entities import PAYMENT_METHODS, extract
from bot.nlu.normalize import clean_input, fold
from bot.nlu.phones import extract_phones
from bot.nlu.spans import Span, keep_longest
from bot.nlu.topics import extract_topics

HARDSHIP_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "death",
        re.compile(
            r"\b(?:faleceu|faleceram|falecid[oa]|falecimento|morreu|morreram|morte|obito|"
            r"perdi\s+(?:meu|minha|o\s+meu|a\s+minha)\s+(?:pai|mae|marido|esposa|esposo|filh[oa]|"
            r"irma|irmao|avo|mulher)|luto|enterro|velorio|passed\s+away|died|death|funeral|"
            r"lost\s+my\s+(?:mom|mother|dad|father|husband|wife|son|daughter|brother|sister))\b"
        ),
    ),
    (
        "hospital",
        re.compile(
            r"\b(?:hospital|hospitalizad[oa]|internad[oa]|internacao|uti|pronto\s+socorro|"
            r"hospitali[sz]ed|in\s+the\s+er|icu|emergency\s+room)\b"
        ),
    ),
    (
        "illness",
        re.compile(
            r"\b(?:doente|doenca|adoeceu|adoeci|cancer|tratamento|quimio\w*|cirurgia|operad[oa]|"
            r"operacao|remedios?|medicamentos?|enfermo|acidente|acidentad[oa]|machucad[oa]|"
            r"depressao|avc|infarto|covid|dengue|gravidez|gravida|licenca\s+medica|afastad[oa]|"
            r"sick|(?:am|been|was|is|got|very|so|seriously)\s+ill|illness|cancer|surgery|chemo|treatment|medical\s+bills?|injured|"
            r"accident|disease|medication|pregnan\w*)\b"
        ),
    ),
    (
        "unemployment",
        re.compile(
            r"\b(?:desempregad[oa]|desemprego|demitid[oa]|mandado\s+embora|mandada\s+embora|"
            r"me\s+mandaram\s+embora|perdi\s+(?:o\s+|meu\s+)?(?:emprego|trabalho|servico)|"
            r"sem\s+(?:emprego|trabalho|servico)|fui\s+dispensad[oa]|parei\s+de\s+trabalhar|"
            r"to\s+parad[oa]|estou\s+parad[oa]|fechou\s+a\s+empresa|"
            r"unemployed|laid\s+off|lost\s+my\s+job|got\s+fired|was\s+fired|out\s+of\s+work|"
            r"jobless|no\s+job|between\s+jobs)\b"
        ),
    ),
    (
        "divorce",
        re.compile(
            r"\b(?:separacao|separei|separad[oa]|separando|divorcio|divorciad[oa]|"
            r"divorciando|larguei\s+(?:meu|o)\s+marido|me\s+largou|divorce|divorced|"
            r"separated|breakup|broke\s+up|split\s+up)\b"
        ),
    ),
    (
        "money_tight",
        re.compile(
            r"\b(?:apertad[oa]|aperto|sem\s+grana|sem\s+dinheiro|sem\s+condic(?:ao|oes)|"
            r"(?:to|estou|ando|fiquei|tamo|estamos)\s+(?:meio\s+|bem\s+|muito\s+)?"
            r"(?:dur[oa]|lis[oa]|quebrad[oa]|endividad[oa]|enrolad[oa])|dividas?\s+(?:demais|pra\s+todo)|"
            r"ta\s+dificil|esta\s+dificil|(?:o\s+)?dinheiro\s+(?:ta|esta)\s+curto|"
            r"grana\s+(?:ta|esta)\s+curta|salario\s+(?:atrasou|atrasado|nao\s+caiu)|"
            r"(?:beneficio|aposentadoria|pensao|auxilio|seguro\s+desemprego)\s+(?:\w+\s+)?"
            r"(?:atrasou|atrasad[oa]|nao\s+caiu|nao\s+saiu)|"
            r"(?:pay\s*)?(?:check|cheque)\s+(?:is|was|came|comes|got)\s+(?:in\s+)?late|"
            r"auxilio\s+doenca|encostad[oa]\s+pelo\s+inss|on\s+disability|disability\s+check|"
            r"broke|tight|money\s+is\s+tight|short\s+on\s+(?:money|cash)|tough\s+times|"
            r"struggling|can\s+barely|behind\s+on\s+(?:bills|rent))\b"
        ),
    ),
)

_KIN = (
    ("mother", r"mae|mamae|mother|mom|mum"),
    ("father", r"pai|papai|father|dad"),
    (
        "spouse",
        r"esposa|esposo|marido|mulher|companheir[oa]|namorad[oa]|wife|husband|"
        r"partner|girlfriend|boyfriend|spouse",
    ),
    ("child", r"filh[oa]|son|daughter"),
    ("sibling", r"irma|irmao|sister|brother"),
    (
        "relative",
        r"tia|tio|avo|vo|sobrinh[oa]|prim[oa]|cunhad[oa]|sogr[oa]|nora|genro|"
        r"neto|neta|aunt|uncle|grandmother|grandma|grandfather|grandpa|niece|nephew|"
        r"cousin|in-law|grandson|granddaughter",
    ),
    ("friend", r"amig[oa]|vizinh[oa]|friend|neighbou?r|roommate"),
    ("colleague", r"colega|chefe|patroa|patrao|coworker|colleague|boss|co-worker"),
    (
        "carer",
        r"cuidador|cuidadora|enfermeira|enfermeiro|procurador|procuradora|caregiver|carer|"
        r"caretaker|nurse|guardian",
    ),
)
_KIN_WORD = {name: re.compile(r"^(?:" + alts + r")$") for name, alts in _KIN}
_KIN_ALT = "|".join(alts for _, alts in _KIN)
_RELATIVE = re.compile(
    r"\b(?:sou\s+(?:a|o)|aqui\s+(?:e|eh|quem\s+fala\s+e)\s+(?:a|o)|(?:a|o)\s+(?:que\s+)?fala\s+"
    r"(?:aqui\s+)?e\s+(?:a|o)|quem\s+fala\s+e\s+(?:a|o)|eu\s+sou\s+(?:a|o)|falo\s+como\s+(?:a|o)|"
    r"sou\s+s[oó]\s+(?:a|o))\s+(?P<kin>" + _KIN_ALT + r")\b(?:\s+(?:dele|dela|do|da|de))?|"
    r"\b(?:sou|eu\s+sou|aqui\s+e)\s+(?P<kin3>" + _KIN_ALT + r")\s+(?:dele|dela)\b|"
    # "não, é o marido dela": who answers, said of the person asked for
    r"(?:^|\bnao\W+|\bn\W+)(?:e|eh)\s+(?:a|o)\s+(?P<kin4>" + _KIN_ALT + r")\s+(?:dele|dela)\b|"
    r"\b(?:this\s+is|i\s+am|im|i'm|it's|its|it\s+is)\s+(?:his|her|their|the)\s+(?P<kin2>"
    + _KIN_ALT
    + r")\b"
)
_NO_METHOD = re.compile(
    r"\b(?:(?:nao|n|num|nem|ñ)\s+(?:tenho|possuo|uso|mexo\s+com|sei\s+usar|sei\s+mexer\s+"
    r"(?:no|com)|tenho\s+mais|tenho\s+nem|tenho\s+mais\s+nem)|sem|nem\s+tenho)\s+"
    r"(?:um\s+|uma\s+|o\s+|a\s+|de\s+|chave\s+)?"
    r"(?P<pt>\w+(?:\s+\w+)?)|"
    r"\b(?:i\s+)?(?:do\s+not|dont|don't|doesnt|does\s+not|can\s+not|cant|can't)\s+"
    r"(?:have|use|got|do|own)\s+(?:a\s+|an\s+|any\s+)?(?P<en>\w+(?:\s+\w+)?)|"
    r"\bno\s+(?P<en2>card|credit\s+card|debit\s+card|bank\s+account|checking\s+account)\b"
)
_BANK_ACCOUNT = re.compile(r"^(?:conta(?:\s+(?:no|em)\s+banco|\s+bancaria)?|bank\s+account)")
_SOFT = re.compile(
    r"^\W*(?:ok+|okay|okey|oks|okk+|k+|kk|blz|beleza|hm+|hmm+|humm*|uhum|aham|ta|tah|ta\s+bom|"
    r"certo|entendi|sei|t[aá]|cert[oa]|fechou|show|top|joia|tranquilo|de\s+boa|"
    r"ok\s+obrigad[oa]|okay\s+thanks|ok\s+thanks|got\s+it|noted|alright|all\s+right|sure|"
    r"i\s+see|cool|fine|uh\s+huh|mhm|emoji(?:thumbsup|ok))\W*$"
)
_THUMBS = re.compile(r"^[\s👍👌🙂🆗✅✔️\U0001F3FB-\U0001F3FF]+$")


def extract_hardship(folded: str) -> list[Span]:
    found = [
        Span("hardship", name, m.start(), m.end())
        for name, pattern in HARDSHIP_PATTERNS
        for m in pattern.finditer(folded)
    ]
    return keep_longest(found)


def extract_relative(folded: str) -> list[Span]:
    found: list[Span] = []
    for m in _RELATIVE.finditer(folded):
        word = m["kin"] or m["kin2"] or m["kin3"] or m["kin4"]
        value = next((n for n, p in _KIN_WORD.items() if p.match(word)), "relative")
        found.append(Span("relative", value, m.start(), m.end()))
    return found


def extract_no_payment_method(folded: str) -> list[Span]:
    """Methods the person does not have: "não tenho pix", "i don't have a card"."""
    found: list[Span] = []
    for m in _NO_METHOD.finditer(folded):
        group = "pt" if m["pt"] else "en" if m["en"] else "en2"
        obj = m[group]
        if _BANK_ACCOUNT.match(obj):
            found.append(Span("no_payment_method", "transfer", m.start(), m.end(group)))
            continue
        for name, pattern in PAYMENT_METHODS:
            hit = pattern.match(obj) or pattern.match(" " + obj)
            if hit is not None and name != "cash":
                found.append(Span("no_payment_method", name, m.start(), m.end(group)))
                break
    return keep_longest(found)


def extract_soft_yes(folded: str, original: str) -> list[Span]:
    """``soft`` when the whole message is a bare acknowledgement ("ok", "👍", "blz", "hm")."""
    stripped = folded.strip()
    if not stripped:
        return []
    if _SOFT.match(stripped) or _THUMBS.match(original.strip()):
        start = len(folded) - len(folded.lstrip())
        return [Span("soft_yes", "soft", start, start + len(stripped))]
    return []


_OTHER_CONTACT = re.compile(
    # "manda pro número dela", "me chama no zap do meu marido", "meu número novo é"
    r"\b(?:manda|mande|envia|envie|passa|fala|falem|liga|ligue|chama|escreve|escreva)\w*\s+"
    r"(?:\w+\s+){0,3}?(?:pro|pra|para\s+o|para\s+a|no|na|nesse|neste|ao)\s+(?:outro\s+)?"
    r"(?:numero|zap|whats|whatsapp|telefone|celular|contato)\s+(?:dela|dele|d[oa]\s+\w+|"
    r"da\s+minha\s+\w+|do\s+meu\s+\w+|novo)\b|"
    r"\b(?:meu|o)\s+(?:numero|zap|whats|telefone|celular)\s+(?:novo|agora)\b|"
    r"\b(?:numero|zap|whats|telefone|celular)\s+(?:dela|dele)\s+(?:e|eh)\b|"
    # "send it to her number", "text my husband instead", "her number is", "my new number"
    r"\b(?:send|text|message|call|contact|write)\w*\s+(?:\w+\s+){0,3}?(?:to|at|on)\s+"
    r"(?:her|his|my\s+\w+'?s|my\s+new|another|a\s+different|this\s+other)\s+"
    r"(?:number|phone|cell|whatsapp)\b|"
    r"\b(?:her|his|my\s+new)\s+(?:number|phone|cell)\s+(?:is|instead)\b|"
    r"\b(?:text|message|contact|call|write\s+to)\s+(?:my\s+(?:wife|husband|son|daughter|mom|"
    r"mother|dad|father|partner)|her|him)\s+instead\b"
)


def extract_other_contact(folded: str) -> list[Span]:
    """A number to write to instead of this one: a phone number in the message ("phone") or
    a request to write elsewhere ("request"). Never acted on by the bot: a person decides."""
    found = [Span("other_contact", "phone", s.start, s.end) for s in extract_phones(folded)]
    found.extend(
        Span("other_contact", "request", m.start(), m.end())
        for m in _OTHER_CONTACT.finditer(folded)
    )
    return keep_longest(found)


def extract_extras(folded: str, original: str) -> list[Span]:
    """topic, hardship, relative, no_payment_method and soft_yes spans of a message."""
    return [
        *extract_topics(folded),
        *extract_hardship(folded),
        *extract_relative(folded),
        *extract_no_payment_method(folded),
        *extract_soft_yes(folded, original),
        *extract_other_contact(folded),
    ]


def extract_all(text: str, today: date, language: str = "pt") -> tuple[Entity, ...]:
    """The design's entities and the extra ones, in text order; never raises."""
    cleaned = clean_input(text)
    base = extract(cleaned, today, language)
    try:
        folded = fold(cleaned)
        extra = [
            Entity(s.entity, s.value, s.start, s.end, cleaned[s.start : s.end])
            for s in extract_extras(folded, cleaned)
        ]
    except Exception:  # noqa: BLE001 - a parse must never fail because of an extractor
        extra = []
    return tuple(sorted((*base, *extra), key=lambda e: (e.start, e.end)))
