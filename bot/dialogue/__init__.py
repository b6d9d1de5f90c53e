"""The conversation: (state, event, context) -> (actions, new state), flows and responses.

Public entry points: :func:`bot.dialogue.engine.decide`,
:class:`bot.dialogue.state.ConversationState` and :class:`bot.dialogue.responses.ResponseBook`.
"""
