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
    "dash.export_daily": ("CSV por dia", "Daily CSV"),
    "dash.segment": ("Segmento", "Segment"),
    "dash.step": ("Etapa da régua", "Cadence step"),
    "step.due_soon": ("lembrete antes do vencimento", "reminder before the due date"),
    "step.due_today": ("lembrete no dia do vencimento", "reminder on the due date"),
    "step.overdue": ("lembrete de atraso", "overdue reminder"),
    "step.installment_due": ("lembrete de parcela", "installment reminder"),
    "step.promise_day": ("lembrete no dia da promessa", "reminder on the promised day"),
    "step.promise_broken": ("promessa não cumprida", "broken promise follow-up"),
    "step.callback": ("retorno combinado", "agreed call-back"),
    "step.thank_you": ("agradecimento pelo pagamento", "thank-you for the payment"),
    "dash.dpd": ("Dias de atraso", "Days past due"),
    "dash.compared": (
        "Setas: comparação com o período anterior ({start} a {end}).",
        "Arrows: compared with the previous period ({start} to {end}).",
    ),
    "dash.previous": ("Período anterior", "Previous period"),
    "dash.what": ("O que é", "Definition"),
    "dash.recovery_curve": ("Recuperado por dias de atraso", "Recovered by days past due"),
    "dash.per_agent": ("Por atendente", "Per agent"),
    "dash.taken": ("Conversas assumidas", "Chats taken"),
    "dpd.0": ("em dia", "not late"),
    "dpd.1-30": ("1–30 dias", "1–30 days"),
    "dpd.31-60": ("31–60 dias", "31–60 days"),
    "dpd.61-90": ("61–90 dias", "61–90 days"),
    "dpd.90+": ("mais de 90 dias", "90+ days"),
    "work.title": ("Para fazer hoje", "To do today"),
    "work.due_today": ("Promessas que vencem hoje", "Promises due today"),
    "work.broken_yesterday": ("Promessas quebradas ontem", "Promises broken yesterday"),
    "work.waiting_longest": ("Esperando há mais tempo", "Waiting longest"),
    "work.open_queue": ("Abrir a fila", "Open the queue"),
    "kpi.payments": ("Pagamentos", "Payments"),
    "kpi.right_party_rate": ("Contato com o devedor", "Right-party contact rate"),
    "kpi.promise_rate": ("Taxa de promessa", "Promise rate"),
    "kpi.recovered_share": ("Recuperado do saldo", "Recovered share of balance"),
    "kpi.self_cure_rate": ("Autocura", "Self-cure rate"),
    "kpi.failed_deliveries": ("Envios que falharam", "Failed deliveries"),
    "kpi.cost_per_real": ("Custo por R$ recuperado", "Cost per R$ recovered"),
    "kpi.not_reported": ("não informado", "not reported"),
    "def.right_party_rate": (
        "Conversas em que o próprio devedor respondeu (sem pessoa errada, identidade negada ou "
        "contato inválido), sobre as que responderam. O número abaixo é a quantidade.",
        "Replied chats where the debtor themself answered (no wrong person, denied identity or "
        "invalid contact), over the chats that replied. The arrow compares the count.",
    ),
    "def.promise_rate": (
        "Promessas feitas / contatos com o devedor.",
        "Promises made / right-party contacts.",
    ),
    "def.kept_rate": (
        "Promessas cumpridas / (cumpridas + quebradas) no período.",
        "Promises kept / (kept + broken) in the period.",
    ),
    "def.amount_promised": (
        "Soma das promessas registradas no período.",
        "Sum of the promises recorded.",
    ),
    "def.amount_recovered": (
        "Soma dos pagamentos recebidos no período.",
        "Sum of the payments received.",
    ),
    "def.recovered_share": (
        "Recuperado / (saldo ainda em cobrança hoje + recuperado no período).",
        "Recovered / (balance still in collection today + recovered in the period).",
    ),
    "def.self_cure_rate": (
        "Devedores que pagaram sem nenhuma mensagem nossa ou deles nos 30 dias anteriores, "
        "sobre todos os que pagaram.",
        "Debtors who paid with no message to or from them in the 30 days before, over all "
        "debtors who paid.",
    ),
    "def.resolved_without_human": (
        "Conversas em que o bot registrou promessa ou acordo sem passar a uma pessoa, sobre as "
        "que responderam.",
        "Chats where the bot recorded a promise or agreement with no hand-off, over the chats "
        "that replied.",
    ),
    "def.handoff_rate": (
        "Conversas passadas a uma pessoa / conversas que responderam.",
        "Chats handed to a person / chats that replied.",
    ),
    "def.opt_out_rate": (
        "Conversas em que o devedor pediu para parar / contatos.",
        "Chats where the debtor opted out / contacts.",
    ),
    "def.failed_deliveries": (
        "Mensagens nossas que o canal marcou como falha ou não entregue (não contam como "
        "contato).",
        "Our messages the channel reported failed or undelivered (they count as no contact).",
    ),
    "def.contacts": (
        "Conversas que receberam ao menos uma mensagem nossa (bot ou atendente) sem falha.",
        "Chats that got at least one message from us (bot or agent) that did not fail.",
    ),
    "def.reply_rate": ("Responderam / contatos.", "Replied / contacts."),
    "def.agreements": ("Acordos criados no período.", "Agreements created in the period."),
    "def.not_understood_rate": (
        "Mensagens recebidas fora do escopo ou abaixo do limiar de confiança do NLU.",
        "Inbound messages out of scope or below the NLU confidence threshold.",
    ),
    "def.cost_per_real": (
        "Custo das mensagens / valor recuperado. Nenhum canal configurado informa preços.",
        "Cost of messages / amount recovered. No configured channel reports prices.",
    ),
    "dash.daily": (
        "Promessas, pagamentos e descadastros por dia",
        "Promises, payments and opt-outs per day",
    ),
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
    "sim.bad_address": (
        "Não reconheço esse cliente ou telefone. Escolha um cliente da lista ou um telefone "
        "como +55 11 91234-5678.",
        "That debtor or phone is not recognised. Pick a debtor from the list or a phone such "
        "as +55 11 91234-5678.",
    ),
    "sim.copy": ("Copiar código PIX", "Copy PIX code"),
    "sim.copied": ("Copiado!", "Copied!"),
    "sim.login_needed": (
        "Fora do modo de demonstração o simulador exige login.",
        "Outside demo mode the simulator needs a login.",
    ),
    "inbox.views": ("Filas", "Views"),
    "inbox.view.mine": ("Minhas", "Mine"),
    "inbox.view.unassigned": ("Sem atendente", "Unassigned"),
    "inbox.view.all": ("Todas", "All"),
    "inbox.view.closed": ("Encerradas", "Closed"),
    "inbox.empty_mine": ("Nenhuma conversa com você agora.", "No chat is with you right now."),
    "inbox.empty_unassigned": ("Nenhuma conversa aguardando. 🎉", "No chat is waiting. 🎉"),
    "inbox.unread": ("não lidas", "unread"),
    "inbox.search": ("Nome, telefone, referência ou texto", "Name, phone, ref or text"),
    "inbox.search_go": ("Buscar", "Search"),
    "inbox.holders": ("Com cada atendente", "Held by each agent"),
    "inbox.snoozed": ("adiada", "snoozed"),
    "inbox.new_escalation": ("Nova conversa aguardando", "New chat waiting"),
    "chat.not_allowed": (
        "Só quem está com a conversa (ou um gestor) pode fazer isso. Assuma a conversa antes.",
        "Only the agent holding this chat (or a manager) may do this. Take the chat first.",
    ),
    "chat.held_by_other": (
        "Esta conversa está com {name}. Peça a transferência a {name} ou a um gestor.",
        "This chat is with {name}. Ask {name} or a manager to transfer it.",
    ),
    "chat.sent_for_approval": (
        "Fora dos limites da tabela de ofertas: enviado para aprovação de um gestor.",
        "Beyond the offer book's limits: sent to a manager for approval.",
    ),
    "chat.limits_hint": (
        "Dentro da tabela de ofertas (descontos e parcelas do bot, promessas em até {days} "
        "dias) vale na hora; além disso vai para aprovação de um gestor.",
        "Within the offer book (the bot's discounts and installments, promises within {days} "
        "days) it takes effect now; beyond that a manager approves it.",
    ),
    "chat.bad_discount": ("Desconto inválido (0 a 99,99 %).", "Invalid discount (0 to 99.99 %)."),
    "chat.manager_approves": ("aguarda um gestor", "waiting for a manager"),
    "chat.ask_manager": ("Pedir a um gestor", "Ask a manager"),
    "chat.canned": ("Resposta pronta", "Canned reply"),
    "chat.enter_hint": (
        "Enter envia · Shift+Enter quebra a linha",
        "Enter sends · Shift+Enter for a new line",
    ),
    "chat.transfer": ("Transferir para", "Transfer to"),
    "chat.labels_snooze": ("Etiquetas e adiar", "Labels and snooze"),
    "chat.labels": ("Etiquetas (separadas por vírgula)", "Labels (comma separated)"),
    "chat.save": ("Salvar", "Save"),
    "chat.snooze_until": ("Adiar até", "Snooze until"),
    "chat.snooze": ("Adiar", "Snooze"),
    "release.quiet": (
        "O bot espera o cliente escrever (não envia nada agora)",
        "The bot waits for the debtor to write (sends nothing now)",
    ),
    "release.message": (
        "O bot retoma com uma mensagem agora",
        "The bot resumes with a message now",
    ),
    "notes.title": ("Notas internas", "Private notes"),
    "notes.none": (
        "Nenhuma nota. O cliente nunca vê as notas.",
        "No notes. The debtor never sees notes.",
    ),
    "notes.add": ("Adicionar nota", "Add note"),
    "notes.placeholder": ("Só a equipe vê esta nota", "Only staff see this note"),
    "dnc.title": ("Não contatar.", "Do not contact."),
    "dnc.short": ("não contatar", "do not contact"),
    "dnc.opted_out": (
        "O cliente pediu para não receber mensagens.",
        "The debtor opted out of messages.",
    ),
    "dnc.invalid": ("Este contato foi marcado como inválido.", "This contact was marked invalid."),
    "dnc.refused": ("Respostas estão bloqueadas.", "Replies are blocked."),
    "dnc.manager_override": (
        "Só um gestor pode enviar, por motivo legal, que fica registrado.",
        "Only a manager may send, for a legal reason, which is recorded.",
    ),
    "dnc.override_reason": (
        "Motivo legal para contatar (fica registrado)",
        "Legal reason to contact (recorded)",
    ),
    "chat.dnc_refused": (
        "Contato bloqueado (não contatar): a mensagem não foi enviada.",
        "Contact blocked (do not contact): the message was not sent.",
    ),
    "dispute.title": ("Dívida contestada.", "Debt disputed."),
    "dispute.text": (
        "Não cobre o valor contestado enquanto a contestação estiver em análise.",
        "Do not ask for the disputed amount while the dispute is under review.",
    ),
    "approvals.title": ("Aprovações", "Approvals"),
    "approvals.intro": (
        "Pedidos de atendentes além dos limites da tabela de ofertas. Aprovar executa o pedido "
        "agora e registra você como aprovador.",
        "Agents' requests beyond the offer book's limits. Approving carries it out now and "
        "records you as the approver.",
    ),
    "approvals.empty": ("Nenhum pedido aqui.", "No request here."),
    "request.pending": ("pendente", "pending"),
    "request.approved": ("aprovado", "approved"),
    "request.rejected": ("recusado", "rejected"),
    "request.approve": ("Aprovar", "Approve"),
    "request.reject": ("Recusar", "Reject"),
    "request.note": ("Motivo (opcional)", "Reason (optional)"),
    "request.why": ("Motivo", "Why"),
    "request.by": ("pedido por {name}", "asked by {name}"),
    "request.decided_by": ("decidido por {name}", "decided by {name}"),
    "request.kind.agreement": ("Acordo", "Agreement"),
    "request.kind.promise": ("Promessa", "Promise"),
    "request.kind.dispute": ("Contestação", "Dispute"),
    "request.what.agreement": (
        "{n}x, desconto de {discount} %, total {total}, 1º vencimento {first_due}",
        "{n} installments, {discount} % off, total {total}, first due {first_due}",
    ),
    "request.what.promise": ("{amount} até {due}", "{amount} by {due}"),
    "request.what.dispute_upheld": (
        "Manter a dívida (a cobrança continua)",
        "The debt stands (collection resumes)",
    ),
    "request.what.dispute_cancelled": (
        "Cancelar a dívida (baixa)",
        "Cancel the debt (write it off)",
    ),
    "why.discount_beyond_book": (
        "desconto maior que o da tabela",
        "discount beyond the offer book",
    ),
    "why.installments_beyond_book": (
        "parcelas fora da tabela",
        "installments beyond the offer book",
    ),
    "why.first_due_beyond_book": ("1º vencimento longe demais", "first payment too far out"),
    "why.promise_too_far": ("promessa além do prazo máximo", "promise beyond the maximum days"),
    "why.promise_too_small": ("valor da promessa pequeno demais", "promise amount too small"),
    "why.dispute_outcome": ("decisão de contestação", "dispute outcome"),
    "why.no_tier": ("sem faixa na tabela para este cliente", "no offer tier for this debtor"),
    "sender.debtor": ("cliente", "debtor"),
    "sender.bot": ("bot", "bot"),
    "sender.agent": ("atendente", "agent"),
    "sender.system": ("sistema", "system"),
    "delivery.queued": ("na fila", "queued"),
    "delivery.sent": ("enviada", "sent"),
    "delivery.delivered": ("entregue", "delivered"),
    "delivery.read": ("lida", "read"),
    "delivery.failed": ("falhou", "failed"),
    "delivery.undelivered": ("não entregue", "undelivered"),
    "delivery.received": ("recebida", "received"),
    "actor.bot": ("bot", "bot"),
    "actor.debtor": ("cliente", "debtor"),
    "actor.agent": ("atendente", "agent"),
    "actor.system": ("sistema", "system"),
    "actor.script": ("script", "script"),
    "channel.whatsapp": ("WhatsApp", "WhatsApp"),
    "channel.telegram": ("Telegram", "Telegram"),
    "channel.sms": ("SMS", "SMS"),
    "channel.web": ("simulador", "simulator"),
    "language.pt": ("português", "Portuguese"),
    "language.en": ("inglês", "English"),
    "debt.open": ("em aberto", "open"),
    "debt.paid": ("paga", "paid"),
    "debt.disputed": ("contestada", "disputed"),
    "debt.in_agreement": ("em acordo", "in agreement"),
    "debt.written_off": ("baixada", "written off"),
    "promise.open": ("em aberto", "open"),
    "promise.kept": ("cumprida", "kept"),
    "promise.broken": ("quebrada", "broken"),
    "promise.replaced": ("substituída", "replaced"),
    "agreement.pending_approval": ("aguarda aprovação", "waiting for approval"),
    "agreement.active": ("ativo", "active"),
    "agreement.completed": ("quitado", "completed"),
    "agreement.broken": ("quebrado", "broken"),
    "agreement.cancelled": ("cancelado", "cancelled"),
    "role.agent": ("atendente", "agent"),
    "role.manager": ("gestor", "manager"),
    "role.admin": ("administrador", "admin"),
    "event.promise_recorded": ("promessa registrada", "promise recorded"),
    "event.promise_kept": ("promessa cumprida", "promise kept"),
    "event.promise_broken": ("promessa quebrada", "promise broken"),
    "event.agreement_created": ("acordo criado", "agreement created"),
    "event.agreement_approved": ("acordo aprovado", "agreement approved"),
    "event.agreement_pending_approval": ("acordo aguarda aprovação", "agreement awaits approval"),
    "event.agreement_broken": ("acordo quebrado", "agreement broken"),
    "event.offers_shown": ("ofertas mostradas", "offers shown"),
    "event.offers_refused": ("ofertas recusadas", "offers refused"),
    "event.offer_accepted": ("oferta aceita", "offer accepted"),
    "event.payment_instructions_sent": ("instruções de pagamento", "payment instructions sent"),
    "event.payment_received": ("pagamento recebido", "payment received"),
    "event.receipt_received": ("comprovante recebido", "receipt received"),
    "event.reminder_sent": ("lembrete enviado", "reminder sent"),
    "event.handoff": ("passada a uma pessoa", "handed off"),
    "event.agent_took": ("atendente assumiu", "agent took the chat"),
    "event.agent_transferred": ("transferida", "transferred"),
    "event.agent_released": ("devolvida ao bot", "handed back to the bot"),
    "event.conversation_closed": ("conversa encerrada", "chat closed"),
    "event.opt_out": ("pediu para parar", "opted out"),
    "event.dispute_opened": ("contestação aberta", "dispute opened"),
    "event.dispute_resolved": ("contestação resolvida", "dispute resolved"),
    "event.contact_invalid": ("contato inválido", "contact invalid"),
    "event.approval_requested": ("aprovação pedida", "approval requested"),
    "event.approval_granted": ("aprovação concedida", "approval granted"),
    "event.approval_refused": ("aprovação recusada", "approval refused"),
    "event.do_not_contact_override": (
        "envio a contato bloqueado (motivo legal)",
        "message to a blocked contact (legal reason)",
    ),
    "event.snoozed": ("adiada", "snoozed"),
    "event.wrong_person": ("pessoa errada", "wrong person"),
    "event.identity_denied": ("identidade negada", "identity denied"),
    "event.identity_confirmed": ("identidade confirmada", "identity confirmed"),
    "event.callback_scheduled": ("retorno agendado", "callback scheduled"),
    "outcome.agreement": ("acordo", "agreement"),
    "outcome.promise": ("promessa", "promise"),
    "outcome.opt_out": ("pediu para parar", "opted out"),
    "outcome.dispute": ("contestação", "dispute"),
    "outcome.wrong_person": ("pessoa errada", "wrong person"),
    "outcome.handoff": ("passada a uma pessoa", "handed off"),
    "outcome.replied": ("respondeu", "replied"),
    "outcome.no_reply": ("sem resposta", "no reply"),
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
    "reason.portal_locked": (
        "página bloqueada (o robô segue atendendo)",
        "page locked (the bot still answers)",
    ),
    "reason.portal_request": ("pediu uma pessoa na página", "asked for a person on the page"),
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
