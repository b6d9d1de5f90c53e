"""The debtor's self-service page: signed links, the identity check, simulations, accepting."""
