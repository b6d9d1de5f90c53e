"""``python -m bot.bench.profiled OUT.txt -- ARGS``: run ``quita ARGS`` under yappi.

cProfile sees only the main thread, but a turn's database work runs in worker threads
(``asyncio.to_thread``); yappi sees every thread. On exit (SIGINT stops uvicorn cleanly) it
writes the top functions by own CPU time and by cumulative CPU time.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    import yappi

    out = Path(argv[0])
    rest = argv[argv.index("--") + 1 :]
    yappi.set_clock_type("cpu")
    yappi.start(builtins=False)
    try:
        from bot.cli import main as quita

        code = quita(rest)
    finally:
        yappi.stop()
        stats = yappi.get_func_stats()
        buffer = io.StringIO()
        for sort, title in (("tsub", "own time"), ("ttot", "cumulative")):
            buffer.write(f"== top 25 by {title} (CPU seconds, every thread)\n")
            stats.sort(sort, "desc")
            for row in list(stats)[:25]:
                where = f"{Path(row.module).name}:{row.lineno}"
                buffer.write(
                    f"{row.tsub:8.3f} {row.ttot:8.3f} {row.ncall:8d}  {row.name}  ({where})\n"
                )
        out.write_text(buffer.getvalue(), encoding="utf-8")
        # the whole call graph, for ``python -m pstats`` (callers and callees)
        stats.save(str(out.with_suffix(".pstat")), type="pstat")
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
