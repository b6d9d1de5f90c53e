"""Text normalisation: an offset-preserving fold for extractors, a rich one for the classifier."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.nlu.phones import mask_phones

MAX_CHARS = 2000  # longer messages are cut before parsing; nobody pays a debt in an essay

# Chat abbreviations (after folding: lowercase, no accents) -> words the classifier knows.
ABBREVIATIONS: dict[str, str] = {
    "vc": "voce",
    "vcs": "voces",
    "voce": "voce",
    "ce": "voce",
    "oce": "voce",
    "q": "que",
    "oq": "o que",
    "pq": "porque",
    "pq?": "porque",
    "porq": "porque",
    "n": "nao",
    "nn": "nao",
    "naum": "nao",
    "ñ": "nao",
    "nao": "nao",
    "s": "sim",
    "ss": "sim",
    "sss": "sim",
    "hj": "hoje",
    "hje": "hoje",
    "amnh": "amanha",
    "amanh": "amanha",
    "blz": "beleza",
    "vlw": "valeu",
    "valew": "valeu",
    "tb": "tambem",
    "tbm": "tambem",
    "msm": "mesmo",
    "td": "tudo",
    "tds": "todos",
    "obg": "obrigado",
    "obgd": "obrigado",
    "obgda": "obrigada",
    "brigado": "obrigado",
    "brigada": "obrigada",
    "mto": "muito",
    "mt": "muito",
    "mta": "muita",
    "mtas": "muitas",
    "mtos": "muitos",
    "cmg": "comigo",
    "ctg": "contigo",
    "qnd": "quando",
    "qdo": "quando",
    "qndo": "quando",
    "qto": "quanto",
    "qt": "quanto",
    "qnt": "quanto",
    "p": "para",
    "pra": "para",
    "pro": "para o",
    "to": "to",
    "tô": "to",
    "ta": "esta",
    "tah": "esta",
    "eh": "e",
    "dps": "depois",
    "agr": "agora",
    "aki": "aqui",
    "aq": "aqui",
    "tmj": "tamo junto",
    "sdds": "saudade",
    "fds": "fim de semana",
    "msg": "mensagem",
    "msgs": "mensagens",
    "cel": "celular",
    "num": "numero",
    "nr": "numero",
    "nº": "numero",
    "kd": "cade",
    "cade": "cade",
    "mds": "meu deus",
    "pfv": "por favor",
    "pf": "por favor",
    "pfvr": "por favor",
    "plz": "please",
    "pls": "please",
    "thx": "thanks",
    "thnx": "thanks",
    "ty": "thank you",
    "u": "you",
    "ur": "your",
    "r": "are",
    "im": "i am",
    "i'm": "i am",
    "idk": "i do not know",
    "dont": "do not",
    "don't": "do not",
    "cant": "can not",
    "can't": "can not",
    "cannot": "can not",
    "wont": "will not",
    "won't": "will not",
    "ill": "i will",
    "i'll": "i will",
    "didnt": "did not",
    "didn't": "did not",
    "isnt": "is not",
    "isn't": "is not",
    "doesnt": "does not",
    "doesn't": "does not",
    "wasnt": "was not",
    "wasn't": "was not",
    "ive": "i have",
    "i've": "i have",
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "have to",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tomoro": "tomorrow",
    "2moro": "tomorrow",
    "2morrow": "tomorrow",
    "pls.": "please",
    "ppl": "people",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "ya": "you",
    "yep": "yes",
    "yup": "yes",
    "yeah": "yes",
    "ya.": "yes",
    "nope": "no",
    "nah": "no",
    "k": "ok",
    "kk": "ok",
    "okay": "ok",
    "okey": "ok",
    "blza": "beleza",
    "flw": "falou",
    "abs": "abracos",
    "bjs": "beijos",
    "vdd": "verdade",
    "sla": "sei la",
    "ngm": "ninguem",
    "alguem": "alguem",
    "hrs": "horas",
    "hr": "hora",
    "min": "minuto",
    "seg": "segunda",
    # more Portuguese chat spellings
    "nops": "nao",
    "naop": "nao",
    "nda": "nada",
    "nd": "nada",
    "qm": "quem",
    "qr": "quer",
    "qro": "quero",
    "kero": "quero",
    "axo": "acho",
    "dnv": "de novo",
    "fzr": "fazer",
    "ctz": "certeza",
    "qq": "qualquer",
    "qlq": "qualquer",
    "pgto": "pagamento",
    "pagto": "pagamento",
    "pgt": "pagamento",
    "vzs": "vezes",
    "xau": "tchau",
    "tchauu": "tchau",
    "bjo": "beijo",
    "vo": "vou",
    "tava": "estava",
    "zap": "whatsapp",
    "wpp": "whatsapp",
    "sfd": "safado",
    "vsf": "vai se foder",
    "tnc": "tomar no cu",
    "pqp": "puta que pariu",
    "fdp": "filho da puta",
    # more English chat spellings
    "rn": "right now",
    "tho": "though",
    "y": "why",
    "wat": "what",
    "wut": "what",
    "what's": "what is",
    "who's": "who is",
    "whos": "who is",
    "how'd": "how did",
    "it's": "it is",
    "thats": "that is",
    "that's": "that is",
    "youre": "you are",
    "you're": "you are",
    "b4": "before",
    "gimme": "give me",
    "lemme": "let me",
    "dunno": "do not know",
    "abt": "about",
    "acct": "account",
    "amt": "amount",
    "aint": "is not",
    "ain't": "is not",
    "havent": "have not",
    "haven't": "have not",
    "couldnt": "could not",
    "couldn't": "could not",
    "imma": "i am going to",
    "ima": "i am going to",
    "pymt": "payment",
    "pmt": "payment",
}

# Emoji (and emoticons) -> a word, so the classifier can use them.
EMOJI_WORDS: dict[str, str] = {
    "🙏": " emojipray ",
    "👍": " emojithumbsup ",
    "👎": " emojithumbsdown ",
    "😡": " emojiangry ",
    "🤬": " emojiangry ",
    "😠": " emojiangry ",
    "🖕": " emojiangry ",
    "😊": " emojismile ",
    "🙂": " emojismile ",
    "😀": " emojismile ",
    "😃": " emojismile ",
    "😁": " emojismile ",
    "😄": " emojismile ",
    "❤": " emojiheart ",
    "♥": " emojiheart ",
    "💖": " emojiheart ",
    "😘": " emojiheart ",
    "👋": " emojiwave ",
    "😢": " emojisad ",
    "😭": " emojisad ",
    "😔": " emojisad ",
    "😞": " emojisad ",
    "😩": " emojisad ",
    "😕": " emojisad ",
    "🤔": " emojithink ",
    "✅": " emojicheck ",
    "✔": " emojicheck ",
    "❌": " emojicross ",
    "🚫": " emojicross ",
    "⛔": " emojicross ",
    "💰": " emojimoney ",
    "💵": " emojimoney ",
    "💸": " emojimoney ",
    "🤑": " emojimoney ",
    "👌": " emojiok ",
    "🤝": " emojideal ",
    "😂": " emojilaugh ",
    "🤣": " emojilaugh ",
    "😅": " emojilaugh ",
    "🤡": " emojiclown ",
    "💩": " emojiangry ",
    "🐍": " emojiangry ",
    "🐀": " emojiangry ",
    "☺": " emojismile ",
    "😉": " emojismile ",
    "🥲": " emojisad ",
    "🤷": " emojishrug ",
    "🤖": " emojirobot ",
    "📞": " emojiphone ",
    "☎": " emojiphone ",
    "📱": " emojiphone ",
}

_REPEATS = re.compile(r"(\w)\1{2,}")
# "sextaa", "simm", "nahh"-like stretching of a/i/u/h (no word ends in a doubled h)
_DOUBLED_END = re.compile(r"(?<=[a-z])([aiuh])\1\b")
_LAUGH = re.compile(r"\b(?:k{3,}|(?:ha|he|hi|ah|rs){2,}h?|rsrs\w*)\b")
_LOL = re.compile(r"\b(?:lol|lmao|lmfao|rofl)\b")  # English laughter stays English
_DIGITS = re.compile(r"\d+")
_NON_WORD = re.compile(r"[^\w\s?!]")
_SPACES = re.compile(r"\s+")
_TOKEN = re.compile(r"[\w']+|[?!]")


@lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    """One character, lowercased and without accents; always exactly one character."""
    lowered = char.lower()
    if len(lowered) != 1:
        lowered = char
    decomposed = unicodedata.normalize("NFKD", lowered)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base if len(base) == 1 else lowered


def fold(text: str) -> str:
    """Lowercase and strip accents keeping exactly one character per input character.

    Offsets in the folded text are offsets in the original text, so extractors can run
    their patterns on the folded text and report spans of the original.
    """
    if text.isascii():  # most messages: no accents, and ASCII lowercases one to one
        return text.lower()
    return "".join(fold_char(c) for c in text)


def clean_input(text: str) -> str:
    """Make any input safe to parse: a str, no control characters or NULs, bounded length."""
    if not isinstance(text, str):
        text = str(text)
    text = text[:MAX_CHARS]
    if text.isprintable():  # no control character, NUL or lone surrogate: as it is
        return text
    return "".join(
        c if (c.isprintable() or c in "\t\n") and not 0xD800 <= ord(c) <= 0xDFFF else " "
        for c in text
    )


def _emoji_words(text: str) -> str:
    if text.isascii():  # no emoji (every one we name is outside ASCII)
        return text
    out: list[str] = []
    for char in text:
        word = EMOJI_WORDS.get(char)
        if word is not None:
            out.append(word)
        elif ord(char) >= 0x2190 and unicodedata.category(char) in ("So", "Sk", "Cn"):
            out.append(" emoji ")
        else:
            out.append(char)
    return "".join(out)


def for_classifier(text: str) -> str:
    """The normalised form the intent and language models see.

    Lowercase, no accents, emojis as words, letters repeated three or more times
    collapsed ("simmmm" -> "sim"), chat abbreviations expanded, digit runs as ``0``.
    """
    text = _emoji_words(mask_phones(fold(clean_input(text))))
    text = text.replace(":)", " emojismile ").replace(":(", " emojisad ")
    text = _LAUGH.sub(" risos ", text)
    text = _REPEATS.sub(r"\1", text)
    text = _LOL.sub(" lol ", text)  # after the repeats: "lmaooo" is "lmao"
    text = _DOUBLED_END.sub(r"\1", text)
    text = _DIGITS.sub("0", text)
    words: list[str] = []
    for token in _TOKEN.findall(text):
        words.append(ABBREVIATIONS.get(token, token))
    return " ".join(words)
