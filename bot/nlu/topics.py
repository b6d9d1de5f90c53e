"""What a debtor's question is about (entity ``topic``, values in ``QUESTION_TOPICS``).

Rules over the folded text (lowercase, no accents), both languages, tolerant of chat
spelling ("pq", "ta", "vcs", "qto"). ``other_question`` is not found here: the interpreter
adds it to a question that no topic and no clear intent covers.
"""

from __future__ import annotations

import re

from bot.nlu.spans import Span, keep_longest

_VC = r"(?:voces?|vcs?|ces?|vos|o\s+senhor|a\s+senhora)"
_IS = r"(?:e|eh|ta|tah|esta|tava|estava|fica|ficou|vai\s+ficar|sai|saiu)"

TOPIC_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "options",
        re.compile(
            r"\b(?:quais|qual|que)\s+(?:sao\s+)?(?:as\s+|os\s+|a\s+)?(?:minhas\s+|meus\s+)?"
            r"(?:opc(?:ao|oes|ions)|opcoes|alternativas?|propostas?|condic(?:ao|oes)|planos?|"
            r"formas?\s+de\s+(?:pagar|pagamento|negociar|parcelar)|acordos?)\b|"
            r"\b(?:o\s+que|oq|q)\s+(?:da|posso|consigo|tem|tens)\s+(?:pra|para|p)?\s*"
            r"(?:fazer|negociar|mim|eu)\b|"
            r"\btem\s+(?:alguma\s+)?(?:outra\s+)?(?:opcao|opcoes|alternativa|proposta|acordo)\b|"
            r"\bme\s+(?:passa|manda|mostra|fala|diz)\s+(?:as\s+)?(?:opcoes|propostas|condicoes)\b|"
            r"\b(?:ver|saber|conhecer)\s+(?:as\s+|quais\s+(?:sao\s+)?(?:as\s+)?)?"
            r"(?:opcoes|propostas|condicoes)\b|"
            r"\b(?:show|see|tell)\s+(?:me\s+)?(?:the|my)\s+options\b|"
            r"\bwhat\s+(?:are\s+)?(?:my|the|your)\s+(?:options|choices|plans|alternatives)\b|"
            r"\bwhat\s+(?:can|could)\s+(?:i|we)\s+do\b|\bwhat\s+options\b|"
            r"\b(?:any|other)\s+(?:options|alternatives|plans)\b"
        ),
    ),
    (
        "breakdown",
        re.compile(
            r"\b(?:por\s*que|pq|porque|porq|como|pra\s+que)\s+(?:que\s+)?(?:\w+\s+){0,2}?"
            r"(?:ta|tah|esta|ficou|e|eh|tava|veio|vem|subiu|aumentou|cresceu|deu)\s+"
            r"(?:\w+\s+){0,2}?(?:mais\s+caro|maior|mais\s+alto|alto|caro|tanto|diferente|"
            r"esse\s+valor|isso\s+tudo|subindo|aumentando)|"
            r"\b(?:pq|porque|por\s*que)\s+(?:\w+\s+){0,3}?(?:aumentou|subiu|cresceu|dobrou|"
            r"mudou\s+o\s+valor)|"
            r"\b(?:tem|tem\s+algum|cobra|cobram|cobrando|incide|vai\s+ter|esta\s+com|ta\s+com|"
            r"inclui|com)\s+(?:juros?|multas?|encargos?|taxas?|correc(?:ao|oes))\b|"
            r"\b(?:juros|multa|encargos|taxa\s+de\s+atraso)\s*\?|"
            r"\b(?:quanto|qto|qt)\s+(?:e|eh|foi|deu|da|de)?\s*(?:de\s+)?(?:juros?|multa|encargos?)|"
            r"\bde\s+onde\s+(?:veio|vem|saiu)\s+(?:esse|este|o)\s+valor|"
            r"\b(?:valor|conta)\s+(?:ta|esta|ficou|veio)\s+(?:errad[oa]|a\s+mais|diferente)|"
            r"\bdiscrimina|\bdetalha(?:r|mento)?\s+(?:o\s+)?(?:valor|debito|divida)|"
            r"\bbreakdown\b|\bitemi[sz]e|"
            r"\b(?:why|how)\s+(?:is\s+it|it\s+is|is\s+the\s+(?:amount|balance|total))\s+"
            r"(?:r\$\s*|\$\s*)?\d|"
            r"\b(?:pq|porque|por\s*que)\s+(?:ta|esta|ficou|deu|veio)\s+(?:r\$\s*)?\d|"
            r"\bwhy\s+(?:is\s+)?(?:it|the\s+(?:amount|balance|total)|this)\s+(?:\w+\s+)?"
            r"(?:so\s+)?(?:higher|more|bigger|so\s+much|so\s+high|different|going\s+up)|"
            r"\bwhy\s+(?:did|has)\s+(?:it|the\s+(?:amount|balance))\s+(?:go\s+up|increase)|"
            r"\b(?:any|is\s+there|are\s+there|with|include|including|charging)\s+"
            r"(?:any\s+)?(?:interest|late\s+fees?|fees|penalt(?:y|ies))\b|"
            r"\bwhere\s+does\s+(?:this|that|the)\s+(?:amount|number|total)\s+come\s+from"
        ),
    ),
    (
        "charge_origin",
        re.compile(
            r"\b(?:que|qual|q)\s+(?:compra|divida|debito|conta|cobranca|parcela|carne|"
            r"produto|pedido)\s+(?:e|eh|seria|sera|foi)?\s*(?:essa|esse|esta|este|ai|isso)?\b|"
            r"\b(?:divida|cobranca|debito|compra|conta)\s+(?:de\s+)?(?:que|quê)\s*\?|"
            r"\bcompra\s+de\s+que\b|\b(?:do|de)\s+que\s+(?:e|eh|seria)\s+(?:essa|esse|isso)\b|"
            r"\breferente\s+a\s+que\b|\b(?:isso|essa\s+divida)\s+(?:e|eh)\s+(?:de|do)\s+que\b|"
            r"\b(?:o\s+que|oq|q|que)\s+(?:voce|vc|vcs|voces|cê|ce)\s+(?:quer|querem|queria)\s+"
            r"comigo\b|\b(?:sobre|do|de)\s+(?:o\s+)?que\s+(?:e|eh|seria)\s*\?|"
            r"\b(?:recebi|vi)\s+(?:uma\s+)?(?:ligacao|mensagem|chamada|msg)\b.{0,40}?\b(?:o\s+que|oq|q)\s+"
            r"(?:e|eh|era|foi|seria|queriam|querem)\b|"
            r"\bwhat\s+(?:is\s+)?(?:it|this|that)\s+about\b|\bwhat\s+do\s+(?:you|u)\s+want\b|"
            r"\bach(?:ei|ava)\s+(?:que|q)\s+(?:ja\s+)?(?:tava|estava|tinha|era|fosse)\s+(?:pag|quit)|"
            r"\bpensei\s+que\s+(?:ja\s+)?(?:tava|estava|tinha)\s+(?:pag|quit)|"
            r"\bnao\s+(?:lembro|me\s+lembro|sei)\s+(?:de|dessa|desse|o\s+que|que)\s*"
            r"(?:compra|divida|conta|e\s+isso|isso)|"
            r"\bwhat\s+(?:is\s+)?(?:this|that|the)\s+(?:charge|debt|bill|purchase|payment|"
            r"balance)\s*(?:for)?\b|\bwhat\s+(?:did\s+i|purchase|was\s+this)\s+(?:buy|for)?|"
            r"\bwhat\s+is\s+(?:this|it)\s+for\b|\bthought\s+(?:it|this|that)\s+(?:was|were)\s+"
            r"(?:already\s+)?(?:paid|settled)|\bi\s+do\s+not\s+remember\s+(?:this|that|buying)"
        ),
    ),
    (
        "business_identity",
        re.compile(
            r"\bcnpj\b|\brazao\s+social\b|"
            r"\b(?:que|qual|q)\s+(?:loja|empresa|firma|estabelecimento|comercio|magazine)\b|"
            r"\b(?:loja|empresa)\s+(?:de\s+)?(?:que|qual|quem)\b|"
            r"\b(?:quem|qm)\s+(?:e|eh|sao)\s+(?:a\s+)?(?:loja|empresa|credor)\b|"
            r"\bwhat\s+(?:store|company|business|shop)\b|\bwhich\s+(?:store|company|shop)\b|"
            r"\bcompany\s+name\b|\b(?:tax|ein|company)\s+(?:id|number)\b"
        ),
    ),
    (
        "number_source",
        re.compile(
            r"\b(?:como|onde|qm|quem|de\s+onde)\s+(?:que\s+)?(?:\w+\s+){0,2}?"
            r"(?:conseguiu|conseguiram|pegou|pegaram|achou|acharam|arrumou|arrumaram|tem|tinha|"
            r"passou|deu|obteve)\s+(?:o\s+)?(?:meu|esse|este|o)\s+(?:numero|contato|telefone|"
            r"celular|whats|whatsapp|zap)|"
            r"\bonde\s+(?:\w+\s+)?(?:conseguiu|pegou|achou)\s+(?:meu\s+)?(?:numero|contato)|"
            r"\bhow\s+(?:did|do)\s+(?:you|u)\s+(?:get|have|find|got)\s+(?:my|this)\s+"
            r"(?:number|contact|phone)|\bwhere\s+did\s+(?:you|u)\s+get\s+(?:my|this)\s+"
            r"(?:number|contact)|\bwho\s+gave\s+(?:you|u)\s+(?:my|this)\s+number"
        ),
    ),
    (
        "scam",
        re.compile(
            r"\bgolpe\b|\bgolpista|\bfraude\b|\bpilantragem\b|\bpicaretagem\b|\bfake\b|"
            r"\b(?:como|q|que)\s+(?:eu\s+)?(?:sei|vou\s+saber|saber|garanto)\s+(?:que|q|se)\s+"
            r"(?:e|eh|sao|isso|voces|vcs|vc|e\s+mesmo|nao\s+e)|"
            r"\b(?:e|eh|isso\s+e|isso\s+eh)\s+(?:verdade|real|confiavel|seguro|serio)\s*\?|"
            r"\b(?:sao|e)\s+(?:voces|vcs|vc)\s+mesmo|\b(?:posso|da\s+pra)\s+confiar|"
            r"\bscam\b|\bfraud\b|\bphishing\b|\bis\s+this\s+(?:legit|real|for\s+real|a\s+joke)|"
            r"\bhow\s+(?:do|can|would)\s+i\s+know\s+(?:this|it|you|that)|"
            r"\b(?:legit|legitimate)\s*\?|\bcan\s+i\s+trust"
        ),
    ),
    (
        "status",
        re.compile(
            r"\b(?:vao|vai|voces\s+vao|vcs\s+vao|ces\s+vao|vao\s+me)\s+(?:\w+\s+)?"
            r"(?:parar|deixar)\s+de\s+(?:me\s+)?(?:cobrar|ligar|mandar)|"
            r"\b(?:ta|esta|tah|fica|ficou|ficamos|estamos|tamo|ta\s+tudo|esta\s+tudo)\s+"
            r"(?:tudo\s+)?(?:certo|ok|resolvido|quitado|acertado|de\s+boa|beleza)\s+"
            r"(?:entao|agora|assim|ne|com\s+voces|com\s+vcs)?\s*\?|"
            r"\b(?:ta|esta)\s+(?:tudo\s+)?(?:certo|ok|resolvido)\s+(?:entao|agora)\b|"
            r"\b(?:ainda|continuo|continua)\s+(?:devendo|devo|em\s+aberto|aberto|pendente)\s*\?|"
            r"\b(?:ficou|ta|esta)\s+(?:quitad[oa]|pag[oa]|baixad[oa])\s*\?|"
            r"\bnao\s+devo\s+mais\s+nada\s*\?|\b(?:recebeu|receberam|caiu|chegou)\s+"
            r"(?:o\s+|meu\s+)?(?:pagamento|pix|comprovante)\s*\?|"
            r"\b(?:will\s+you|are\s+you\s+going\s+to)\s+stop\s+(?:calling|texting|charging|"
            r"messaging)|\b(?:so\s+)?(?:are\s+)?we(?:'re|\s+are|re)?\s+(?:good|all\s+set|square|even)\b|"
            r"\b(?:am\s+i|is\s+it|is\s+everything)\s+(?:all\s+)?(?:set|good|clear|settled|"
            r"paid\s+off|sorted)\s*\?|\bdo\s+i\s+still\s+owe|\bdid\s+you\s+(?:get|receive)\s+"
            r"(?:my|the)\s+payment"
        ),
    ),
    (
        "credit_bureau",
        re.compile(
            r"\bspc\b|\bserasa\b|\bscpc\b|\bboa\s+vista\b|\bnegativa\w*|\bprotest\w*|"
            r"\bnome\s+(?:sujo|limpo|no\s+spc|no\s+serasa)|\bsujar\s+(?:o\s+)?(?:meu\s+)?nome|"
            r"\blimpar\s+(?:o\s+)?(?:meu\s+)?nome|\bcredit\s+(?:score|report|bureau|rating)|"
            r"\bcollections?\s+agency\b|\bhurt\s+my\s+credit|\bmy\s+credit\b|\bequifax|"
            r"\bexperian|\btransunion"
        ),
    ),
    (
        "deadline",
        re.compile(
            r"\b(?:ate|ateh)\s+(?:que\s+)?(?:quando|qndo|qnd|qdo|que\s+dia|q\s+dia)\b|"
            r"\b(?:qual|tem|quanto|qto)\s+(?:o\s+|de\s+|um\s+)?prazo|\bprazo\s*(?:final|maximo)?\s*\?|"
            r"\b(?:quando|qndo|qnd|qdo)\s+(?:e|eh|vence|venceu|vai\s+vencer|termina)\b|"
            r"\bvencimento\s*\?|\bquanto\s+tempo\s+(?:eu\s+)?tenho|"
            r"\b(?:what\s+is\s+the|is\s+there\s+a|any)\s+deadline|\bdeadline\s*\?|"
            r"\bhow\s+long\s+(?:do\s+)?i\s+have|\b(?:by|until)\s+when\b|\bwhen\s+is\s+(?:it|the\s+"
            r"(?:payment|bill))\s+due|\bwhen\s+(?:do|should|must)\s+i\s+(?:have\s+to\s+)?pay\s+by"
        ),
    ),
    (
        "pay_at_store",
        re.compile(
            r"\b(?:pagar|pago|acertar|quitar|ir|passar|levar|deixar)\s+(?:\w+\s+){0,2}?"
            r"(?:na|la\s+na|direto\s+na|pessoalmente\s+na)\s+(?:loja|filial|agencia|unidade)|"
            r"\bna\s+loja\s+(?:mesmo|pode|posso|da\s+pra|aceita)|\bpessoalmente\s*\?|"
            r"\b(?:pay|drop\s+(?:it|by)|come)\s+(?:\w+\s+){0,2}?(?:at|in)\s+(?:the|your)\s+"
            r"(?:store|shop|branch)|\bin\s+person\b"
        ),
    ),
    (
        "discount",
        re.compile(
            r"\bdesconto|\bdesconte|\babatimento|\babater|\bmelhor\s+(?:preco|valor|proposta|"
            r"condicao)|\b(?:quanto|qto|qt)\s+(?:fica|sai|da)\s+(?:se|pra)\s+(?:eu\s+)?(?:pagar|quitar)\s+"
            r"(?:tudo|a\s+vista|avista|de\s+uma\s+vez|o\s+total)|"
            r"\b(?:consegue|faz|fazem|tem\s+como)\s+(?:um\s+)?(?:preco|valor)\s+"
            r"(?:melhor|menor|mais\s+baixo)|\b(?:tira|tirar|tirem|tire)\s+(?:os\s+|a\s+)?(?:juros|multa)|"
            r"\b(?:a\s+vista|avista)\s+(?:tem|fica|sai|da)\b|\bquitar\s+(?:\w+\s+){0,2}?"
            r"(?:a\s+vista|avista)\s*(?:\w+\s+){0,3}?(?:quanto|qto|fica|sai)|"
            r"\bdiscount|\bbest\s+(?:price|offer|deal)|\bbetter\s+(?:price|deal|offer)|"
            r"\b(?:knock|take)\s+(?:anything|something|some)\s+off|\bwaive\s+(?:the\s+)?"
            r"(?:fees?|interest)|\b(?:lower|reduce)\s+(?:the\s+)?(?:amount|price|total)"
        ),
    ),
    (
        "plan_total",
        re.compile(
            r"\b(?:qual|quanto|qto|qt)\s+(?:o\s+|e\s+o\s+|fica\s+o\s+|da\s+o\s+)?"
            r"(?:total|valor\s+total|valor\s+final)\s*(?:no\s+final|final|com\s+juros|"
            r"parcelado|no\s+fim|de\s+tudo)?|\b(?:quanto|qto|qt)\s+(?:vou|eu\s+vou|vai)\s+"
            r"(?:pagar|dar|ficar)\s+(?:no\s+)?(?:total|final|no\s+fim|ao\s+todo|tudo)|"
            r"\b(?:quanto|qto|qt)\s+(?:fica|da|sai)\s+(?:no\s+)?(?:total|final|tudo|ao\s+todo)|"
            r"\bno\s+final\s+(?:quanto|qto|fica|da)\b|\bao\s+todo\s*\?|"
            r"\bhow\s+much\s+(?:in\s+total|total|altogether|overall|in\s+the\s+end)|"
            r"\bwhat\s+(?:is|would\s+be|will\s+be)\s+the\s+(?:total|final)\s+"
            r"(?:amount|cost|price)?|\btotal\s+(?:cost|amount)\s+(?:of|with)\s+(?:the\s+)?"
            r"(?:plan|installments)"
        ),
    ),
    (
        "partial_payment",
        re.compile(
            r"\bja\s+(?:paguei|pagei|dei|mandei|depositei|transferi|fiz|pago)\s+(?:\w+\s+){0,2}?"
            r"(?:r\$\s*)?\d[\d.,]*\b.{0,60}?\b(?:cobrando|cobra|cobram|cobrou|tudo|total|"
            r"inteiro|valor\s+cheio|mesmo\s+valor|descont\w*|abat\w*)\b|"
            r"\b(?:paguei|pagei)\s+(?:uma\s+)?parte|\b(?:paguei|pagei)\s+metade|"
            r"\bja\s+(?:paguei|dei)\s+(?:uma\s+)?(?:parte|entrada|parcela|metade)|"
            r"\b(?:descont|abat)\w*\s+(?:o\s+que|oq)\s+(?:eu\s+)?(?:ja\s+)?paguei|"
            r"\bi\s+(?:already\s+)?paid\s+(?:part|half|some|a\s+part)|\bpartial\s+payment|"
            r"\b(?:already\s+)?paid\s+(?:you\s+)?\$?\d[\d.,]*\b.{0,60}?\b(?:whole|full|all|"
            r"entire|same|everything)\b"
        ),
    ),
    (
        "store_hours",
        re.compile(
            r"\b(?:voces?|vcs?|loja|balcao|crediario|ces?)\s+(?:\w+\s+)?(?:abre|abrem|funciona|"
            r"funcionam|atende|atendem|fecha|fecham|ta\s+aberta|esta\s+aberta)\b|"
            r"\b(?:que|q|qual)\s+(?:horas?|horario)\s+(?:\w+\s+){0,2}?(?:abre|abrem|fecha|"
            r"fecham|funciona|atende)|\bhorario\s+(?:de\s+)?(?:funcionamento|atendimento|da\s+loja)|"
            r"\bonde\s+(?:fica|e|eh)\s+(?:a\s+)?(?:loja|balcao)|\b(?:qual|q)\s+(?:o\s+)?endereco|"
            r"\bendereco\s+da\s+loja|"
            r"\b(?:are\s+you|is\s+the\s+(?:store|shop))\s+open\b|\bwhat\s+time\s+(?:do|does)\s+"
            r"(?:you|the\s+(?:store|shop))\s+(?:open|close)|\bopening\s+hours|\bstore\s+hours|"
            r"\bwhere\s+is\s+the\s+(?:store|shop)|\b(?:store|shop)(?:'s|s)?\s+address|"
            r"\bwhat(?:'s|\s+is)\s+the\s+address"
        ),
    ),
    (
        "paid_to_person",
        re.compile(
            r"\b(?:paguei|pagei|dei|mandei|fiz|entreguei|passei|transferi|pago|depositei)\s+"
            r"(?:\w+\s+){0,4}?(?:pro|pra|para\s+o|para\s+a|ao|a|na\s+mao\s+d[oa]|direto\s+pro|"
            r"direto\s+pra|no\s+pix\s+d[oa])\s*(?:o\s+|a\s+)?(?:vendedor|vendedora|funcionari[oa]|"
            r"moc[oa]|rapaz|menina|gerente|atendente|cobrador|cobradora|dono|dona|entregador)|"
            r"\bno\s+pix\s+(?:dele|dela|do\s+vendedor|da\s+vendedora|pessoal)|"
            r"\bpix\s+(?:pessoal|particular)\s+d[oa]|"
            r"\bpaid\s+(?:\w+\s+){0,3}?(?:the|your|to\s+the|to\s+your)\s+(?:salesman|salesperson|"
            r"seller|sales\s+rep|employee|clerk|guy|manager|collector)|"
            r"\b(?:his|her)\s+(?:personal\s+)?(?:pix|account|venmo|zelle)"
        ),
    ),
)


def extract_topics(folded: str) -> list[Span]:
    """Every question topic found, at most one span per place in the text."""
    found: list[Span] = []
    for name, pattern in TOPIC_PATTERNS:
        for m in pattern.finditer(folded):
            if m.end() > m.start():
                found.append(Span("topic", name, m.start(), m.end()))
    return keep_longest(found)
