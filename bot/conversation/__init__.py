"""One conversation turn and the business operations on it: inbound, reminders,
agent actions, payments."""
