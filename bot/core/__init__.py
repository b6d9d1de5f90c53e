"""Domain types, money, clock and business calendar. No I/O."""
