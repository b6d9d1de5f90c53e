"""The ``quita`` sub-commands, one module per group."""
