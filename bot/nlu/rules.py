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
# What a person asks us to stop sending while still paying: "para de me mandar boleto, vou
# pagar no pix", "não quero mais receber boleto de papel" (both stopped every message)
_PAYDOC = (
    r"(?!\s+(?:o\s+|os\s+|a\s+|as\s+|esse\s+|esses\s+|essa\s+|mais\s+)?(?:boletos?|carnes?|"
    r"faturas?|links?|pix|codigos?|qr|comprovantes?|segunda\s+via|2a?\s+via|papel|cartas?|"
    r"chaves?|extratos?)\b)"
)
OPT_OUT_PHRASES = re.compile(
    # pt: "para de me mandar msg", "pare de me mandar mensagem", "parem de ligar"
    r"\b(?:para|pare|parem|parar|paro|pode\s+parar|podem\s+parar|quero\s+que\s+parem)\s+de\s+"
    r"(?:me\s+)?" + _SEND + r"\b" + _PAYDOC + r"|"
    # "não me manda mais nada", "não quero mais receber mensagem"
    r"\bnao\s+(?:me\s+)?(?:mande|manda|mandem|envie|envia|enviem|escreva|escrevam|ligue|liga|"
    r"liguem|procure|procurem)\s+mais\b" + _PAYDOC + r"|"
    r"\bnao\s+(?:quero|desejo)\s+(?:mais\s+)?(?:receber\b" + _PAYDOC + r"|ser\s+contatad[oa]|"
    r"contato)|"
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
# "dont text me while im at work", "não me liga durante o trabalho": when to write, not
# whether (a stop there opted the person out of everything while they asked for 6 pm)
ONLY_WHEN = (
    r"\b(?:do\s+not|dont|don'?t|nao\s+(?:me\s+)?)\s*(?:text|message|call|write|mand\w*|"
    r"envi\w*|lig\w*|escrev\w*)\s+(?:me\s+)?(?:(?:msg|mensagem|nada)\s+)?(?:(?:pls|please|"
    r"mais)\s+)?(?:while|during|at\s+work|before|until|till|til|in\s+the\s+morning|"
    r"enquanto|durante|no\s+trabalho|no\s+servico|no\s+trampo|de\s+manha|antes\s+d)\b"
)
# Questions and look-alikes that mention the same words but do not ask to stop.
# A stop word under a negation asks to go on: "não quero parar de receber, só quero saber o
# valor", "não pedi pra parar", "i'm not asking you to stop".
NEGATED_STOP = (
    r"\b(?:nao|n|nem)\s+(?:quero|queria|estou\s+pedindo|to\s+pedindo|pedi|disse|falei|"
    r"precisa|precisam|e\s+(?:pra|para))\s+(?:pra\s+|para\s+|que\s+)?(?:voces\s+|vcs\s+|"
    r"vc\s+|voce\s+)?(?:parar|parem|pare|para|sair)\b|"
    r"\b(?:not|never|didn'?t|did\s+not|don'?t|do\s+not)\s+(?:asking|ask|asked|telling|tell|"
    r"told|say|said|want|wanting|saying)\s+(?:you\s+|u\s+|y'?all\s+|for\s+you\s+)?"
    r"(?:to\s+)?(?:stop|quit|unsubscribe)\b"
)
ASKS_TO_GO_ON = re.compile(NEGATED_STOP)
_NOT_OPT_OUT = re.compile(
    NEGATED_STOP + r"|"
    r"\b(?:vao|vai|voces\s+vao|quando|se|will\s+you|when|if|how\s+do\s+i)\s+(?:\w+\s+)?"
    r"(?:parar|stop)\b|\bnao\s+para\s+de\s+(?:chover|tocar|funcionar)|"
    r"\bcomo\s+(?:eu\s+)?(?:paro|faco\s+pra\s+parar|descadastro)|" + ONLY_WHEN
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
# "numero errado não, sou eu", "não é engano", "not the wrong number, it's me"
WRONG_PERSON_DENIED = re.compile(
    r"\bnumero\s+(?:errado|trocado)\s+n(?:ao|n|a)?\b|\bn(?:ao|n)?\s+(?:e|eh|foi|tem|ta)\s+"
    r"(?:nenhum\s+|o\s+)?(?:numero\s+(?:errado|trocado)|engano|equivoco)|\bsem\s+engano|"
    r"\bnot\s+(?:the\s+|a\s+)?wrong\s+(?:number|person|guy)|\b(?:isn'?t|is\s+not|wasn'?t|"
    r"not)\s+(?:a\s+)?mistake|\b(?:you\s+have|you'?ve\s+got|u\s+have)\s+the\s+right\s+"
    r"(?:number|person)"
)
# The person says they are the one written to ("sou eu", "it's still me"): what else the
# message says about numbers or names is not a wrong person
IDENTITY_CLAIM = re.compile(
    r"(?<!nao\s)(?<!num\s)(?<!\bn\s)"  # "não sou eu, é engano" is a wrong person
    r"\b(?:sou\s+eu|(?:e|eh)\s+eu\s+mesm[oa]|sou\s+(?:a|o)\s+propri[oa]|eu\s+mesm[oa]|"
    r"it'?s\s+(?:still\s+|really\s+|just\s+)?me|this\s+is\s+(?:still\s+)?me|still\s+me|"
    r"that'?s\s+me|i'?m\s+the\s+(?:one|owner|account\s+holder))\b"
)
_NOT_WRONG_PERSON = re.compile(
    WRONG_PERSON_DENIED.pattern
    + r"|"
    + r"\bnao\s+conheco\s+(?:essa|esse|a|o)\s+(?:divida|compra|cobranca|loja|empresa|valor|"
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
    r"ue|ne|ok|here|o\s+que\s+foi|oq\s+foi|o\s+que\s+houve|what\s+is\s+it|what'?s\s+up|sup|"
    r"wassup|what\s+do\s+you\s+need|what\s+do\s+u\s+need|go\s+ahead|diga|fala))*\W*$"
)

# "tudo bem?" / "how are you?" is small talk, not a question about who is writing.
GREETING_QUESTION = re.compile(
    r"^\W*(?:(?:oi|ola|opa|e\s+ai|hi|hello|hey|bom\s+dia|boa\s+tarde|boa\s+noite)\W*)?"
    r"(?:tudo\s+bem|td\s+bem|tudo\s+bom|td\s+bom|como\s+vai|como\s+voce\s+esta|"
    r"como\s+vc\s+ta|how\s+are\s+you|how\s+r\s+u|how\s+are\s+u|how\s+you\s+doing|"
    r"hows\s+it\s+going|how's\s+it\s+going)(?:\s+(?:com\s+voce|contigo|today|doing))?\W*$"
)

# "alo??", "oi?", "hello??": are you there? (a greeting, not a question we cannot answer)
BARE_GREETING = re.compile(r"^\W*(?:oi+|ola+|alo+|opa+|ei+|e\s+ai|hi+|hello+|hey+)[\s?!.]*$")


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
    hypothetical = HYPOTHETICAL.search(text) is not None
    if REFUSAL.search(text) and not hypothetical:
        return "dispute"  # "não vou pagar isso": a person hears why; collecting waits
    asking = text.rstrip().endswith("?")  # "nem dia 5?" asks for that day
    if CANNOT_ON_THAT_DAY.search(text) and not hypothetical and not asking:
        return "cannot_pay"  # "não vou conseguir pagar sexta": not a promise of Friday
    if AFFIRM_IDENTITY.match(text):
        return "affirm"
    if GREETING_QUESTION.match(text) or BARE_GREETING.match(text):
        return "greet"
    return None


# Words that open a hypothetical or a question about consequences: "e se eu não pagar?",
# "what if i don't pay?" ask what happens, they refuse nothing
HYPOTHETICAL = re.compile(
    r"^\W*(?:e\s+|and\s+|but\s+|mas\s+)?(?:se|caso|suppose)\b|"
    r"\b(?:if|what\s+if|what\s+happens|o\s+que\s+acontece|e\s+se)\b"
)
_NEG_PT = r"(?:n(?:ao|aum|n)?|num|nunca|jamais|nem)"
_PAY_PT = r"(?:pagar|quitar|acertar|dar\s+(?:um\s+)?(?:centavo|real))"
# "não vou pagar isso", "i won't pay that", "eu nunca vou pagar isso", "nem fudendo que eu
# pago isso": a refusal of the charge (the classifier, seeing "vou pagar", read a promise
# and asked which day)
REFUSAL = re.compile(
    r"\b(?:eu\s+)?"
    + _NEG_PT
    + r"\s+(?:eu\s+)?(?:vou|irei|quero|pretendo|vou\s+nunca)\s+"
    + _PAY_PT
    + r"(?:\s+(?:isso|isto|nada|essa\s+\w+|esse\s+\w+|essas\s+\w+|esses\s+\w+|o\s+q(?:ue)?|uma\s+"
    r"coisa|algo|coisa|por\s+(?:isso|algo|uma|um|o\s+q(?:ue)?)|um\s+centavo|nenhum\w*|juros?|multas?|"
    r"nao|nunca|jamais|mais\s+nada)\b|\W*$)|"
    r"\b(?:nao|n|num)\s+pago\s+(?:isso|isto|nada|essa\s+\w+|esse\s+\w+)(?:\s+(?:nem|de\s+jeito|"
    r"nunca|jamais|nao)\b|\W*$)|"
    r"\bnem\s+(?:a\s+pau|fudendo|fodendo|ferrando|morto|morta|pensar|fud)\b.{0,25}\bpag\w*|"
    r"\bpag\w*\s+(?:isso|isto|nada)\s+nem\s+(?:a\s+pau|fudendo|fodendo|ferrando|morto|morta)|"
    r"\bde\s+jeito\s+nenhum\s+(?:que\s+)?(?:eu\s+)?(?:vou\s+)?pag\w*|"
    # en: "won't pay it", "ain't paying that", "i will never pay this", "no way im paying 900"
    r"\b(?:i\s*(?:'?m|\s+am)\s+not|i\s+won'?t|i\s+will\s+not|im\s+not|i\s+ain'?t|ain'?t|"
    r"not\s+gonna|won'?t|wont|i\s+will\s+never|i'?ll\s+never|never\s+gonna|(?:i\s+)?refuse\s+to|"
    r"i'?m\s+never|not|no\s+way\s+(?:i'?m|im|i\s+am|i'?ll|i\s+will|i\s+would))\s+"
    r"(?:going\s+to\s+|gonna\s+|ever\s+)?pay(?:ing)?\s+(?:that|this|it|anything|a\s+(?:thing|"
    r"dime|cent|penny)|nothing|for\s+\w+|those|these|you|\$?\d+|the\s+(?:fees?|interest|late|"
    r"debt|bill))\b(?!\s+(?:until|till|til|before|today|now|right|yet|tomorrow|on|by|this|next|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|either)\b)"
)
_DAY_PT = (
    r"(?:(?:na|no|dia|ate|ate\s+o|ate\s+o\s+dia|esse|essa|este|esta|nesse|nessa|neste|nesta|"
    r"o|a|pro|pra)\s+)*(?:sexta|sabado|domingo|segunda|terca|quarta|quinta|amanha|amanh|hoje|hj|"
    r"\d{1,2}\b|mes\b|semana\b|fim\s+do\s+mes|depois\s+de\s+amanha)"
)
_DAY_EN = (
    r"(?:(?:on|by|until|till|before|this|the|next)\s+)*(?:monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|tomorrow|today|tonight|\d{1,2}(?:st|nd|rd|th)|week(?:end)?\b|"
    r"month\b|end\s+of)"
)
# "não vou conseguir pagar sexta", "não dá pra pagar dia 10", "can't pay friday", "i wont
# make it by friday", "não posso pagar hoje, nem amanhã": that day is off, no promise of it
CANNOT_ON_THAT_DAY = re.compile(
    r"\b(?:nao|n|num|nem)\s+(?:eu\s+)?(?:vou\s+|vai\s+)?(?:conseguir|consigo|posso|poder|"
    r"da\s+(?:pra|para|p)|dar\s+(?:pra|para|p)|tenho\s+como|ter\s+como|dou\s+conta\s+de|"
    r"dar\s+conta\s+de|pagar|pago)\s+(?:de\s+)?(?:pagar\s+|quitar\s+|acertar\s+|depositar\s+|"
    r"transferir\s+)?(?:(?:a|o|as|os|essa|esse|minha|meu|nada|tudo|ela|ele)\s+(?:\w+\s+)?)?"
    + _DAY_PT
    + r"|^\W*(?:e\s+)?nem\s+"
    + _DAY_PT
    + r"\W*$|"
    # "sexta não vai dar pra pagar", "amanhã não consigo"
    r"^\W*" + _DAY_PT + r"\s+(?:eu\s+)?(?:nao|n|num)\s+(?:vai\s+|vou\s+)?(?:dar|da|consigo|"
    r"conseguir|posso|poder|pago|pagar|tenho\s+como)\b|"
    r"\b(?:can'?t|cannot|can\s+not|couldn'?t|won'?t|wont|will\s+not|not\s+gonna|"
    r"(?:won'?t|wont|will\s+not|not\s+gonna|i'?m\s+not|im\s+not|am\s+not)\s+be\s+able\s+to|"
    r"(?:i'?m|im|i\s+am)\s+not\s+able\s+to|no\s+way\s+i\s+(?:can|could))\s+"
    r"(?:pay|make|do|send)(?:\s+(?:it|this|that|the\s+payment|a\s+payment|anything|the\s+\d+))?"
    r"\s+" + _DAY_EN + r"|^\W*(?:and\s+)?(?:not|nor)\s+" + _DAY_EN + r"\s+either\W*$"
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
# What the classifier may read as a stop request but is not one: "chega de enrolação",
# "para de ser chato", "stop charging me interest", "para de me mandar boleto", "não precisa
# mais mandar lembrete (paguei)", "hold on, stop, how much do i owe?"
OPT_OUT_LOOKALIKE = re.compile(
    NEGATED_STOP + r"|"
    r"\bchega\s+de\s+(?!" + _MSG + r"|me\s|mandar|ligar|ligac|cobrar|encher|incomod|perturb)\w+|"
    r"\bpar[ae]m?\s+de\s+(?:ser|fazer|falar|brincar|enrolar|inventar|palhacada|frescura)\b|"
    r"\b(?:stop|para|pare|parem|parar|quit)\s+(?:de\s+)?(?:charging|adding|putting|the|all\s+the|"
    r"cobrar|colocar|botar|somar|with\s+the)?\s*(?:me\s+)?(?:os\s+|a\s+|as\s+|o\s+)?"
    r"(?:interest|fees?|late\s+fees?|penalt\w+|juros|multas?|taxas?)\b|"
    r"\b(?:receber|mandar|manda|enviar|envia|sending|send)\s+(?:o\s+|os\s+|a\s+|as\s+|mais\s+|"
    r"me\s+)?(?:boletos?|carnes?|faturas?|papel|cartas?|invoices?|bills?\s+by\s+mail)\b|"
    # "não precisa mais mandar lembrete (já paguei)"; "... todo dia" asks for fewer, not none
    r"\bnao\s+precisa\s+mais\s+(?:me\s+)?(?:mandar|enviar|lembrar|cobrar|ligar)(?!.*\btodo\s+dia)|"
    r"\bno\s+need\s+to\s+(?:remind|text|message|call)|"
    r"\b(?:hold\s+on|wait|pera|perai|espera|calma)\W+(?:stop|para|pare)\b|\bpara\s+tudo\b|"
    r"\bnao\s+para\s+de\s+(?!me\s|mandar|enviar|ligar|escrever|encher|incomodar)\w+|"
    r"\bparei\s+de\s+(?!receber)\w+|\b(?:stop|stopped|stopping)\s+(?:by|at|in|over|working|"
    r"paying)\b|\b(?:won'?t|will\s+not|doesn'?t|does\s+not|can'?t|can\s+not)\s+stop\b|"
    r"\bnao\s+(?:consigo|posso)\s+parar\b|\b(?:a\s+)?chuva\s+nao\s+para\b|"
    # "recebi a msg", "got your message": the reminder arrived, nothing about stopping it
    r"^\W*(?:(?:eu\s+|ja\s+)?(?:recebi|vi|li)|(?:i\s+)?(?:got|saw|received|read))\s+(?:a\s+|sua\s+|"
    r"tua\s+|essa\s+|the\s+|your\s+|ur\s+|this\s+)?(?:msg|mensage\w*|message|text)s?\W*$|"
    + ONLY_WHEN
)

# "não paguei ainda", "paguei não", "haven't paid", "eu não disse que já paguei": not a
# payment claim; "just got paid", "he gets paid the 1st" is a paycheck, not a payment to us
NOT_PAID = re.compile(
    # "paguei nao", "paguei n", "paguei na" typed for "não" at the end; "paguei na loja" is paid
    r"\bpag(?:uei|ou|amos)\s+(?:ainda\s+)?(?:n(?:ao|n)\b|na\b(?=\s*(?:[^\w\s]|$)))(?!\s+sei)|"
    r"\b(?:i|he|she|we|they)\s+(?:just\s+)?(?:got|get|gets)\s+paid\b|^\W*just\s+got\s+paid\b|"
    r"\b(?:ainda\s+)?n(?:ao|n)?\s+(?:paguei|pagamos|foi\s+pag[oa]|ta\s+pag[oa]|esta\s+pag[oa]|"
    r"consegui\s+pagar|fiz\s+o\s+(?:pagamento|pix|deposito)|depositei|transferi|quitei)\b"
    r"(?!\s+(?:ja|isso\s+ja|essa\s+ja|esse\s+ja)\b)|"
    r"\bnao\s+(?:disse|falei)\s+que\s+(?:ja\s+)?(?:paguei|tinha\s+pago)|"
    r"\b(?:haven'?t|have\s+not|hasn'?t|has\s+not|didn'?t|did\s+not|havent|didnt)\s+"
    r"(?:(?:been|yet|actually)\s+)?(?:paid|pay|sent|send|made)\b|\bnot\s+(?:paid|settled)\s+yet|"
    r"\bnot\s+saying\s+i\s+(?:already\s+)?paid|\bnever\s+said\s+i\s+(?:already\s+)?paid"
)
# Words a payment claim is made of, in either language: a clause the classifier reads as
# already_paid with none of them ("já fiz BO", "já tô resolvendo") claims no payment, and a
# false claim pauses collecting.
PAID_VOCABULARY = re.compile(
    r"\b(?:pag\w*|quit\w*|pix\w*|deposit\w*|transf\w*|comprovante\w*|boleto\w*|mand\w*|envi\w*|"
    r"acert\w*|acordo\w*|liquid\w*|baixa|recibo\w*|debit\w*|dei|dinheiro|resolvi\w*|paid|pay\w*|sent|"
    r"send|settled?|receipts?|cleared?|took\s+care|wired|covered|gave|money)\b"
)
