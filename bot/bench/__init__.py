"""Load benchmarks that ship with the product: ``quita bench load`` and its stand-ins."""
