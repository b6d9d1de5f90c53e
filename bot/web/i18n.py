"""UI strings in pt-BR and English; the language comes from the user or Accept-Language."""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("pt", "en")

STRINGS: dict[str, tuple[str, str]] = {
    # key: (pt, en)
    "app.tagline": (
        "Assistente de cobrança conversacional para crediário próprio",
        "A conversational collections assistant for store credit",
    ),
    "nav.home": ("Início", "Home"),
    "nav.console": ("Atendimento", "Console"),
    "nav.dashboard": ("Painel", "Dashboard"),
    "nav.log": ("Conversas", "Conversations"),
    "nav.simulator": ("Simulador", "Simulator"),
    "nav.login": ("Entrar", "Log in"),
    "nav.logout": ("Sair", "Log out"),
    "login.title": ("Entrar no Quita", "Log in to Quita"),
    "login.email": ("E-mail", "Email"),
    "login.password": ("Senha", "Password"),
    "login.submit": ("Entrar", "Log in"),
    "login.failed": ("E-mail ou senha incorretos.", "Wrong email or password."),
    "login.unavailable": (
        "O login está indisponível agora. Tente de novo em instantes.",
        "Logging in is unavailable right now. Please try again in a moment.",
    ),
    "account.title": ("Trocar senha", "Change password"),
    "account.current": ("Senha atual", "Current password"),
    "account.new": ("Nova senha (mínimo 8 caracteres)", "New password (at least 8 characters)"),
    "account.wrong_password": ("A senha atual não confere.", "The current password is wrong."),
    "account.too_short": (
        "A nova senha precisa de pelo menos 8 caracteres.",
        "The new password needs at least 8 characters.",
    ),
    "account.done": (
        "Senha trocada. As outras sessões foram encerradas.",
        "Password changed. Your other sessions were ended.",
    ),
    "login.too_many": (
        "Muitas tentativas. Aguarde um minuto e tente de novo.",
        "Too many attempts. Wait a minute and try again.",
    ),
    "error.csrf": (
        "O formulário expirou. Recarregue a página e tente de novo.",
        "The form expired. Reload the page and try again.",
    ),
    "error.forbidden": (
        "Você não tem acesso a esta página.",
        "You do not have access to this page.",
    ),
    "error.not_found": ("Não encontrado.", "Not found."),
    "home.what": (
        "O Quita conversa com clientes em atraso pelo WhatsApp e Telegram, lembra vencimentos, "
        "entende respostas livres, registra promessas, oferece parcelamentos e passa a conversa "
        "para uma pessoa quando precisa.",
        "Quita talks to customers who are behind on payments over WhatsApp and Telegram, "
        "sends reminders, understands free-text replies, records promises to pay, offers "
        "installment plans and hands the chat to a person when needed.",
    ),
    "home.simulator": (
        "Faça o papel do cliente: converse com o bot como se fosse pelo celular.",
        "Play the debtor: chat with the bot as if from a phone.",
    ),
    "home.console": (
        "Atenda as conversas que o bot passou para uma pessoa.",
        "Take over the chats the bot handed to a person.",
    ),
    "home.dashboard": (
        "Leia as conversas e veja os resultados: promessas, acordos, valores recuperados.",
        "Read conversations and see the results: promises, agreements, amounts recovered.",
    ),
    "home.demo_users": ("Usuários de demonstração", "Demo users"),
    "home.tip": (
        "Dica: abra o simulador numa aba e o atendimento em outra.",
        "Tip: open the simulator in one tab and the console in another.",
    ),
    "inbox.title": ("Conversas aguardando atendimento", "Chats waiting for a person"),
    "inbox.empty": ("Nenhuma conversa aguardando. 🎉", "No chat is waiting. 🎉"),
    "inbox.reason": ("Motivo", "Reason"),
    "inbox.waiting": ("Aguardando há", "Waiting for"),
    "inbox.debtor": ("Cliente", "Debtor"),
    "inbox.balance": ("Saldo", "Balance"),
    "inbox.channel": ("Canal", "Channel"),
    "inbox.agent": ("Atendente", "Agent"),
    "inbox.open": ("Abrir", "Open"),
    "inbox.take": ("Assumir", "Take"),
    "inbox.live": ("ao vivo", "live"),
    "chat.taken_by": ("Com {name}", "With {name}"),
    "chat.already_taken": (
        "Esta conversa já está com {name}.",
        "This chat is already with {name}.",
    ),
    "chat.reply": ("Responder", "Reply"),
    "chat.reply_placeholder": ("Escreva a resposta…", "Write a reply…"),
    "chat.send": ("Enviar", "Send"),
    "chat.template": ("Modelo aprovado", "Approved template"),
    "chat.window_closed": (
        "A janela de 24 horas do WhatsApp está fechada: só um modelo aprovado pode iniciar "
        "a conversa.",
        "WhatsApp's 24-hour window is closed: only an approved template may start the chat.",
    ),
    "chat.release": ("Devolver ao bot", "Hand back to the bot"),
    "chat.close": ("Encerrar", "Close"),
    "chat.take": ("Assumir conversa", "Take this chat"),
    "chat.history": ("Histórico", "History"),
    "chat.debts": ("Dívidas", "Debts"),
    "chat.promises": ("Promessas", "Promises"),
    "chat.agreements": ("Acordos", "Agreements"),
    "chat.events": ("Eventos", "Events"),
    "chat.actions": ("Ações", "Actions"),
    "chat.record_promise": ("Registrar promessa", "Record a promise"),
    "chat.due": ("Data", "Date"),
    "chat.amount": ("Valor", "Amount"),
    "chat.create_agreement": ("Criar acordo", "Create an agreement"),
    "chat.installments": ("Parcelas", "Installments"),
    "chat.discount": ("Desconto %", "Discount %"),
    "chat.first_due": ("1º vencimento", "First due date"),
    "chat.approve": ("Aprovar", "Approve"),
    "chat.resolve_dispute": ("Resolver contestação", "Resolve dispute"),
    "chat.upheld": ("Dívida mantida", "Debt stands"),
    "chat.cancelled": ("Dívida cancelada", "Debt cancelled"),
    "chat.mark_invalid": ("Contato inválido", "Mark contact invalid"),
    "chat.no_debtor": ("Contato não vinculado a um cliente.", "Contact not linked to a debtor."),
    "chat.done": ("Feito.", "Done."),
    "chat.status": ("Situação", "Status"),
    "chat.total": ("Total", "Total"),
    "chat.paid": ("Pago", "Paid"),
    "chat.description": ("Descrição", "Description"),
    "dash.title": ("Resultados", "Results"),
    "dash.period": ("Período", "Period"),
    "dash.from": ("De", "From"),
    "dash.to": ("Até", "To"),
    "dash.apply": ("Aplicar", "Apply"),
    "dash.export": ("Exportar CSV", "Export CSV"),
    "dash.daily": ("Por dia", "Per day"),
    "dash.funnel": ("Funil", "Funnel"),
    "dash.outcomes": ("Resultados das conversas", "Conversation outcomes"),
    "kpi.contacts": ("Contatos", "Contacts"),
    "kpi.replied": ("Responderam", "Replied"),
    "kpi.reply_rate": ("Taxa de resposta", "Reply rate"),
    "kpi.right_party": ("Contatos com o devedor", "Right-party contacts"),
    "kpi.promises_made": ("Promessas feitas", "Promises made"),
    "kpi.promises_kept": ("Promessas cumpridas", "Promises kept"),
    "kpi.promises_broken": ("Promessas quebradas", "Promises broken"),
    "kpi.kept_rate": ("Taxa de cumprimento", "Promise-kept rate"),
    "kpi.agreements": ("Acordos", "Agreements"),
    "kpi.amount_promised": ("Valor prometido", "Amount promised"),
    "kpi.amount_recovered": ("Valor recuperado", "Amount recovered"),
    "kpi.resolved_without_human": ("Resolvidas sem pessoa", "Resolved without a human"),
    "kpi.handoffs": ("Passadas a uma pessoa", "Handed off"),
    "kpi.handoff_rate": ("Taxa de transbordo", "Hand-off rate"),
    "kpi.opt_outs": ("Pediram para parar", "Opt-outs"),
    "kpi.opt_out_rate": ("Taxa de descadastro", "Opt-out rate"),
    "kpi.inbound": ("Mensagens recebidas", "Messages received"),
    "portal.title": ("Página de autoatendimento", "Self-service page"),
    "portal.visits": ("Links abertos", "Links opened"),
    "portal.verified": ("Identidades confirmadas", "Identities confirmed"),
    "portal.simulations": ("Simulações", "Simulations"),
    "portal.agreements": ("Acordos pela página", "Agreements on the page"),
    "portal.handoffs": ("Pediram uma pessoa", "Asked for a person"),
    "portal.locked": ("Páginas bloqueadas", "Pages locked"),
    "kpi.not_understood": ("Não entendidas", "Not understood"),
    "kpi.not_understood_rate": ("Taxa de não entendidas", "Not-understood rate"),
    "log.title": ("Conversas", "Conversations"),
    "log.search": ("Texto", "Text"),
    "log.filter": ("Filtrar", "Filter"),
    "log.any": ("Todos", "Any"),
    "log.channel": ("Canal", "Channel"),
    "log.language": ("Idioma", "Language"),
    "log.status": ("Situação", "Status"),
    "log.intent": ("Intenção", "Intent"),
    "log.outcome": ("Resultado", "Outcome"),
    "log.agent": ("Atendente", "Agent"),
    "log.last": ("Última mensagem", "Last message"),
    "log.messages": ("Mensagens", "Messages"),
    "log.none": ("Nenhuma conversa encontrada.", "No conversation found."),
    "log.prev": ("« Anterior", "« Previous"),
    "log.next": ("Próxima »", "Next »"),
    "log.page": (
        "Página {page} de {pages} ({total} conversas)",
        "Page {page} of {pages} ({total} conversations)",
    ),
    "transcript.title": ("Transcrição", "Transcript"),
    "transcript.intent": ("Intenção", "Intent"),
    "transcript.confidence": ("Confiança", "Confidence"),
    "transcript.actions": ("Ações", "Actions"),
    "sim.title": ("Simulador do cliente", "Debtor simulator"),
    "sim.pick": ("Escolha um cliente de demonstração", "Pick a demo debtor"),
    "sim.or_phone": ("ou um telefone", "or a phone number"),
    "sim.start": ("Começar", "Start"),
    "sim.placeholder": ("Mensagem", "Message"),
    "sim.send": ("Enviar", "Send"),
    "sim.remind": ("Receber lembrete", "Get a reminder"),
    "sim.remind_hint": (
        "O lembrete que a régua enviaria agora (no demo, sem esperar o horário de contato)",
        "The reminder the cadence would send now (in the demo, without waiting for contact hours)",
    ),
    "sim.hint": (
        "Você é o cliente. Experimente: “quem é?”, “vou pagar sexta”, “dá pra parcelar?”, "
        "“quero falar com uma pessoa”.",
        "You are the debtor. Try: “who is this?”, “I'll pay on Friday”, “can I pay in "
        "installments?”, “I want to talk to a person”.",
    ),
    "sim.login_needed": (
        "Fora do modo de demonstração o simulador exige login.",
        "Outside demo mode the simulator needs a login.",
    ),
    "status.bot": ("com o bot", "with the bot"),
    "status.waiting_agent": ("aguardando pessoa", "waiting for a person"),
    "status.with_agent": ("com atendente", "with an agent"),
    "status.closed": ("encerrada", "closed"),
    "reason.request_human": ("pediu uma pessoa", "asked for a person"),
    "reason.dispute": ("contestação", "dispute"),
    "reason.approval": ("aprovação de oferta", "offer approval"),
    "reason.insult": ("ofensas", "insults"),
    "reason.not_understood": ("não entendido", "not understood"),
    "reason.hardship": ("dificuldade financeira", "hardship"),
    "reason.already_paid": ("diz que já pagou", "says it is paid"),
    "reason.refused": ("recusou ofertas", "refused offers"),
    # dead letters and privacy (manager pages)
    "dead.title": ("Mensagens não processadas", "Unprocessed messages"),
    "dead.intro": (
        "Mensagens recebidas que não puderam ser processadas. Ficam guardadas aqui; o "
        "provedor recebeu 200 e não reenvia.",
        "Inbound messages that could not be processed. They are kept here; the provider "
        "was answered 200 and does not resend them.",
    ),
    "dead.count": ("Total", "Total"),
    "dead.none": ("Nenhuma. Tudo processado.", "None. Everything was processed."),
    "dead.error": ("Motivo", "Reason"),
    "dead.attempts": ("Tentativas", "Attempts"),
    "privacy.title": ("Privacidade (LGPD)", "Privacy (LGPD)"),
    "privacy.help": (
        "Pedidos do titular (art. 18): exportar os dados ou anonimizá-los. Os registros "
        "financeiros são mantidos, com a base legal registrada.",
        "Data subject requests (art. 18): export the data or anonymise it. Financial "
        "records are kept, with the legal basis recorded.",
    ),
    "privacy.export": ("Exportar dados (JSON)", "Export data (JSON)"),
    "privacy.erase": ("Anonimizar titular", "Erase personal data"),
    "privacy.confirm": (
        "Anonimizar este titular? Nome, CPF, contatos e mensagens serão apagados.",
        "Erase this person? Name, CPF, contacts and messages will be removed.",
    ),
}


def choose_language(
    *, user_language: str | None, accept_language: str | None, default: str
) -> str:
    """The user's own language, else the browser's first supported one, else the default."""
    if user_language in LANGUAGES:
        return user_language
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag[:2] in LANGUAGES:
            return tag[:2]
    return default if default in LANGUAGES else "pt"


def translator(language: str) -> Callable[..., str]:
    """``t("key", name=...)`` in ``language``; an unknown key shows as itself."""
    index = 1 if language == "en" else 0

    def t(key: str, **values: object) -> str:
        pair = STRINGS.get(key)
        if pair is None:
            return key
        text = pair[index]
        return text.format(**values) if values else text

    return t


def label(language: str, prefix: str, value: str | None) -> str:
    """A status or reason code in words (``label("pt", "reason", "dispute")``)."""
    if not value:
        return ""
    pair = STRINGS.get(f"{prefix}.{value}")
    if pair is None:
        return value.replace("_", " ")
    return pair[1 if language == "en" else 0]
