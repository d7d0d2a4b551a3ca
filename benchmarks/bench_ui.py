"""Time what the review UI does from upload to results, for a zip of N synthetic essays.

    python benchmarks/bench_ui.py 1000

The same functions ``app_streamlit.py`` calls, in one process, with fresh caches: zip bytes ->
``read_uploads`` -> ``check_documents`` -> ``Store.save_batch`` -> reopen and essays table.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main(n: int) -> None:
    from synth import make_batch

    from essaycheck.pipeline import Config, check_documents
    from essaycheck.store import Store
    from essaycheck.ui.inputs import Upload, read_uploads
    from essaycheck.ui.tables import essay_frame

    docs, _ = make_batch(n, seed=3)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for d in docs:
            z.writestr(f"{d.id}.txt", d.text)
    resolution = (HERE.parent / "data" / "samples" / "resolution.txt").read_text(encoding="utf-8")
    tmp = tempfile.mkdtemp()
    os.environ["ESSAYCHECK_CACHE"] = os.path.join(tmp, "tokens.sqlite")
    t0 = time.perf_counter()
    read, errors = read_uploads([Upload("dot1.zip", buf.getvalue())])
    t1 = time.perf_counter()
    report = check_documents(read, resolution, [], [], Config(), errors)
    t2 = time.perf_counter()
    store = Store(os.path.join(tmp, "db.sqlite"))
    batch = store.save_batch("bench", report)
    t3 = time.perf_counter()
    essay_frame(store.load_batch(batch))
    t4 = time.perf_counter()
    print(
        f"n={len(read)} read {t1 - t0:.1f}s check {t2 - t1:.1f}s save {t3 - t2:.1f}s "
        f"reopen+table {t4 - t3:.1f}s total {t4 - t0:.1f}s"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
