"""Phrase rules that decide a clause's intent whatever the classifier's confidence.

Only for what must never be missed (opt-out: the law and the design say stop words work
anywhere) or what the classifier keeps getting wrong on short chat (identity confirmation).
Each rule is a pattern over the folded clause (lowercase, no accents) with guards against
look-alikes ("não para de chover", "stop by the store", "parei de trabalhar").
"""

from __future__ import annotations

import re

RULE_CONFIDENCE = 0.97

_MSG = r"(?:mensage\w*|msgs?|mensa|sms|zap|whats\w*|textos?|recados?|cobranc\w*|lembretes?)"
_SEND = r"(?:mandar|manda|mandando|enviar|envia|enviando|escrever|escreve|ligar|liga|ligando|"
_SEND += r"me\s+ligar|me\s+mandar|me\s+enviar|me\s+escrever|me\s+incomodar|incomodar|perturbar|"
_SEND += r"me\s+perturbar|encher\s+o\s+saco|me\s+encher|entrar\s+em\s+contato)"
OPT_OUT_PHRASES = re.compile(
    # pt: "para de me mandar msg", "pare de me mandar mensagem", "parem de ligar"
    r"\b(?:para|pare|parem|parar|paro|pode\s+parar|podem\s+parar|quero\s+que\s+parem)\s+de\s+"
    r"(?:me\s+)?" + _SEND + r"|"
    # "não me manda mais nada", "não quero mais receber mensagem"
    r"\bnao\s+(?:me\s+)?(?:mande|manda|mandem|envie|envia|enviem|escreva|escrevam|ligue|liga|"
    r"liguem|procure|procurem)\s+mais\b|"
    r"\bnao\s+(?:quero|desejo)\s+(?:mais\s+)?(?:receber|ser\s+contatad[oa]|contato)|"
    r"\b(?:me\s+)?(?:tira|tire|tirem|remove|remova|removam|exclui|exclua|excluam|apaga|apague|"
    r"deleta|delete)\s+(?:o\s+meu\s+numero\s+|meu\s+numero\s+|meu\s+contato\s+)?"
    r"(?:d[ao]s?|dessa|desse)\s+(?:sua\s+)?(?:lista|cadastro|contatos|base|sistema)|"
    r"\bdescadastr\w*|\bcancelar?\s+(?:as\s+)?(?:mensagens|notificacoes|envio)|"
    r"\bchega\s+de\s+" + _MSG + r"|"
    # en
    r"\bstop\s+(?:texting|messaging|sending|contacting|calling|writing|bothering|spamming|"
    r"harassing)\b|\bstop\s+(?:all\s+)?(?:messages|texts|sms)\b|\bunsubscribe\b|\bopt\s*-?out\b|"
    r"\b(?:do\s+not|dont|don't|never)\s+(?:text|message|contact|call|write|sms)\s+"
    r"(?:me|this\s+number)\b|"
    r"\b(?:remove|take|delete)\s+(?:me|my\s+number)\s+(?:from|off)\s+(?:your|the|this)\s+"
    r"(?:list|database|contacts|system)|\bno\s+more\s+(?:texts|messages|calls)\b"
)
# Questions and look-alikes that mention the same words but do not ask to stop.
_NOT_OPT_OUT = re.compile(
    r"\b(?:vao|vai|voces\s+vao|quando|se|will\s+you|when|if|how\s+do\s+i)\s+(?:\w+\s+)?"
    r"(?:parar|stop)\b|\bnao\s+para\s+de\s+(?:chover|tocar|funcionar)|"
    r"\bcomo\s+(?:eu\s+)?(?:paro|faco\s+pra\s+parar|descadastro)"
)
# A whole clause that is only a stop word.
OPT_OUT_WORD = re.compile(
    r"^\W*(?:sair|stop|parar|pare|para|chega|cancelar|cancel|descadastrar|unsubscribe|remover|"
    r"quit|end|stop\s+all|stop\s+it|pare\s+de\s+mandar|para\s+de\s+mandar|stop\s+please|"
    r"please\s+stop|pare\s+por\s+favor|para\s+por\s+favor)\W*$"
)

WRONG_PERSON_PHRASES = re.compile(
    r"\bnumero\s+(?:errado|trocado|equivocado)|\bwrong\s+(?:number|person|guy|girl)|"
    r"\bnao\s+(?:conheco|sei\s+quem\s+e)\s+(?:ess[ae]\s+|nenhum[a]?\s+|o\s+|a\s+|esse\s+tal\s+|"
    r"essa\s+tal\s+)?(?:pessoa|senhor|senhora|moca|rapaz|cara|mulher|homem|fulan[oa])\b|"
    r"\bnao\s+conheco\s*(?:nao|ninguem)?\W*$|"
    r"\b(?:do\s+not|dont|don't)\s+know\s+(?:(?:this|that|any|the)\s+(?:person|guy|lady|woman|"
    r"man|name)|who\s+(?:that|this)\s+is)\b|"
    r"\bno\s+(?:one|body)\s+(?:here\s+)?(?:by|with|called)\s+that\s+name|"
    r"\bninguem\s+(?:aqui\s+)?com\s+esse\s+nome|\bnao\s+(?:tem|mora)\s+ninguem\s+com\s+esse"
)
_NOT_WRONG_PERSON = re.compile(
    r"\bnao\s+conheco\s+(?:essa|esse|a|o)\s+(?:divida|compra|cobranca|loja|empresa|valor|"
    r"debito)|\bdon'?t\s+know\s+(?:this|that|the|any)\s+(?:debt|charge|purchase|store|company)|"
    r"\bdon'?t\s+know\s+(?:who|what)\s+(?:you|u)\s+are|\bnao\s+sei\s+quem\s+(?:e\s+)?(?:voce|vc)"
)

# Identity confirmations that short-chat training data does not cover well.
AFFIRM_IDENTITY = re.compile(
    r"^\W*(?:(?:sim|isso|isso\s+mesmo|pois\s+nao|opa|oi|e|eh|exato|claro|ss|s)\W*\s*)?"
    r"(?:e\s+eu|eh\s+eu|e\s+eu\s+sim|sou\s+eu|sou\s+eu\s+mesm[oa]|eu\s+mesm[oa]|"
    r"sou\s+eu\s+(?:sim|msm|mesmo|mesma)|sou\s+(?:eu|ela|ele)\s+sim|sou\s+eu\s+sim\s+\w+|"
    r"ela\s+mesma|ele\s+mesmo|a\s+propria|o\s+proprio|falando|pode\s+falar|sim\s+sou\s+eu|"
    r"ya|yep|yup|yes|yeah|yea|speaking|this\s+is\s+(?:she|he|him|her|me|it)|"
    r"(?:yes|yeah|yep|yup)?\W*(?:this\s+is\s+me|it'?s\s+me|that'?s\s+me|that\s+is\s+me|"
    r"it\s+is\s+me|i\s+am|that'?s\s+right|thats\s+right|correct|me)|"
    r"(?:yes|yeah|yep)\W*speaking)"
    r"(?:\W*(?:sim|mesmo|msm|sou|pode\s+falar|pode\s+falar\s+sim|speaking|why|porra|poxa|uai|"
    r"ue|ne|ok|here|o\s+que\s+foi|oq\s+foi|what\s+is\s+it|whats\s+up))*\W*$"
)

# "tudo bem?" / "how are you?" is small talk, not a question about who is writing.
GREETING_QUESTION = re.compile(
    r"^\W*(?:(?:oi|ola|opa|e\s+ai|hi|hello|hey|bom\s+dia|boa\s+tarde|boa\s+noite)\W*)?"
    r"(?:tudo\s+bem|td\s+bem|tudo\s+bom|td\s+bom|como\s+vai|como\s+voce\s+esta|"
    r"como\s+vc\s+ta|how\s+are\s+you|how\s+r\s+u|how\s+are\s+u|how\s+you\s+doing|"
    r"hows\s+it\s+going|how's\s+it\s+going)(?:\s+(?:com\s+voce|contigo|today|doing))?\W*$"
)


def forced_intent(folded_clause: str) -> str | None:
    """The intent a rule decides for one clause (folded), or None to trust the classifier."""
    text = folded_clause.strip()
    if not text:
        return None
    if OPT_OUT_WORD.match(text):
        return "opt_out"
    if OPT_OUT_PHRASES.search(text) and not _NOT_OPT_OUT.search(text):
        return "opt_out"
    if WRONG_PERSON_PHRASES.search(text) and not _NOT_WRONG_PERSON.search(text):
        return "wrong_person"
    if REFUSAL.search(text):
        return "dispute"  # "não vou pagar isso": a person hears why; collecting waits
    if CANNOT_ON_THAT_DAY.search(text):
        return "cannot_pay"  # "não vou conseguir pagar sexta": not a promise of Friday
    if AFFIRM_IDENTITY.match(text):
        return "affirm"
    if GREETING_QUESTION.match(text):
        return "greet"
    return None


# "não vou pagar isso", "i won't pay that": a refusal of the charge (the classifier, seeing
# "vou pagar", read a promise and asked which day)
REFUSAL = re.compile(
    r"\b(?:eu\s+)?n(?:ao|aum|n)?\s+(?:vou|irei|quero|pretendo)\s+pagar\s+(?:isso|isto|nada|"
    r"essa\s+(?:divida|conta|cobranca)|esse\s+(?:valor|debito)|essa\s+porcaria|nao)\b|"
    r"\b(?:i\s*(?:'?m|\s+am)\s+not|i\s+won'?t|i\s+will\s+not|im\s+not|i\s+ain'?t|"
    r"not\s+gonna|i\s+refuse\s+to)\s+(?:going\s+to\s+)?pay(?:ing)?\s+(?:that|this|it|"
    r"anything|a\s+(?:thing|dime|cent)|nothing|for\s+(?:that|this))\b"
)
# "não vou conseguir pagar sexta", "i won't be able to pay friday": that day is off
CANNOT_ON_THAT_DAY = re.compile(
    r"\bn(?:ao|aum)?\s+(?:vou|vai)\s+(?:conseguir|dar\s+(?:pra|para)|poder)\s+(?:pagar\s+)?"
    r"(?:na\s+|no\s+|dia\s+)?(?:sexta|sabado|domingo|segunda|terca|quarta|quinta|amanha|hoje|"
    r"\d{1,2}\b)|"
    r"\b(?:i\s+won'?t|i\s+will\s+not|i\s+wont)\s+be\s+able\s+to\s+(?:pay\s+)?(?:on\s+)?"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today)\b"
)
# Words a request to stop is made of, in either language: a clause the classifier reads as
# opt_out with none of them ("não me deram nada") is not one (it stopped every message).
OPT_OUT_VOCABULARY = re.compile(
    r"\b(?:par[aeo]\w*|chega|stop\w*|mensag\w*|msgs?|sms|zap|whats\w*|mand\w*|envi\w*|"
    r"escrev\w*|lig\w*|contat\w*|contact\w*|numero|number|lista|list|cadastr\w*|"
    r"descadastr\w*|bloque\w*|block\w*|denunci\w*|report|incomod\w*|perturb\w*|saco|"
    r"cobr\w*|text\w*|messag\w*|call\w*|writ\w*|bother\w*|spam\w*|harass\w*|"
    r"unsubscrib\w*|opt|alone|sossego|paz|nunca|never|more|mais|lembr\w*|remind\w*|"
    r"todo\s+dia|every\s*day|daily|remove\s+me|me\s+remov\w*)\b"
)
# What the classifier may read as a stop request but is not one.
OPT_OUT_LOOKALIKE = re.compile(
    r"\bnao\s+para\s+de\s+(?!me\s|mandar|enviar|ligar|escrever|encher|incomodar)\w+|"
    r"\bparei\s+de\s+(?!receber)\w+|\b(?:stop|stopped|stopping)\s+(?:by|at|in|over|working|"
    r"paying)\b|\b(?:won'?t|will\s+not|doesn'?t|does\s+not|can'?t|can\s+not)\s+stop\b|"
    r"\bnao\s+(?:consigo|posso)\s+parar\b|\b(?:a\s+)?chuva\s+nao\s+para\b"
)
