"""Save and load the run cache's objects without pickle: JSON for structure, ``.npz`` for arrays.

A pickle (or joblib) file runs code when it is loaded, so a cache file planted in a shared folder
would be code execution. This format cannot: loading builds only

- JSON values, tuples, sets, dicts (any hashable keys), dates;
- numeric numpy arrays (read with ``allow_pickle=False``), CSR/CSC sparse matrices;
- instances of the library's own data classes (:data:`DATA_MODULES`) and of the few
  scikit-learn classes in :data:`EXTERNAL_CLASSES`, created with ``object.__new__`` and their
  attributes set directly (no ``__init__``, ``__setstate__`` or ``__reduce__`` is called);
- references to module-level functions of those modules (a vectorizer's ``analyzer``) and to
  numeric numpy scalar types.

Anything else raises :class:`StateFormatError`, when saving and when loading.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json
import types
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

FORMAT = "essaycheck-state-1"
DATA_MODULES = frozenset(
    f"essaycheck.{name}"
    for name in (
        "align",
        "attribution",
        "boilerplate",
        "candidates",
        "decide",
        "detect",
        "documents",
        "essay",
        "fingerprint",
        "header",
        "matches",
        "normalize",
        "paraphrase",
        "relevance",
        "run_cache",
        "sections",
        "units",
        "verify",
    )
)
FUNCTION_MODULES = DATA_MODULES | {"essaycheck.tokenize"}
EXTERNAL_CLASSES = frozenset(
    {
        "sklearn.feature_extraction.text:TfidfVectorizer",
        "sklearn.feature_extraction.text:TfidfTransformer",
        "sklearn.feature_extraction.text:CountVectorizer",
    }
)
_NUMERIC_KINDS = "biufc"
_BUILTIN_TYPES = {"int": int, "float": float, "bool": bool, "str": str}
_SPARSE = {"csr": sp.csr_matrix, "csc": sp.csc_matrix}


class StateFormatError(ValueError):
    """A value that this format does not hold, or a file that is not of this format."""


def _class_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _allowed_class(name: str) -> type:
    module_name, _, qualname = name.partition(":")
    if module_name not in DATA_MODULES and name not in EXTERNAL_CLASSES:
        raise StateFormatError(f"class not allowed: {name}")
    if not qualname.isidentifier():  # no nested lookups ("a.b"), no dunder tricks
        raise StateFormatError(f"class not allowed: {name}")
    cls = getattr(importlib.import_module(module_name), qualname, None)
    if not isinstance(cls, type) or cls.__module__ != module_name or issubclass(cls, BaseException):
        raise StateFormatError(f"class not allowed: {name}")
    return cls


def _allowed_function(name: str) -> types.FunctionType:
    module_name, _, qualname = name.partition(":")
    if module_name not in FUNCTION_MODULES or not qualname.isidentifier():
        raise StateFormatError(f"function not allowed: {name}")
    fn = getattr(importlib.import_module(module_name), qualname, None)
    if not isinstance(fn, types.FunctionType) or fn.__module__ != module_name:
        raise StateFormatError(f"function not allowed: {name}")
    return fn


def _slots(cls: type) -> list[str]:
    names: list[str] = []
    for klass in cls.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        names.extend([slots] if isinstance(slots, str) else slots)
    return [n for n in names if n not in ("__dict__", "__weakref__")]


class _Encoder:
    def __init__(self) -> None:
        self.buffers: dict[str, list[np.ndarray]] = {}
        self.sizes: dict[str, int] = {}
        self._active: set[int] = set()

    def array(self, a: np.ndarray) -> dict[str, Any]:
        if a.dtype.kind not in _NUMERIC_KINDS or a.dtype.hasobject:
            raise StateFormatError(f"array of dtype {a.dtype} not allowed")
        dtype = a.dtype.newbyteorder("<").str if a.dtype.byteorder == ">" else a.dtype.str
        flat = np.ascontiguousarray(a, dtype=dtype).reshape(-1)
        offset = self.sizes.get(dtype, 0)
        self.buffers.setdefault(dtype, []).append(flat)
        self.sizes[dtype] = offset + flat.size
        return {"a": [dtype, offset, list(a.shape)]}

    def enc(self, o: Any) -> Any:
        if o is None or isinstance(o, (bool, str)) or type(o) in (int, float):
            return o
        if isinstance(o, np.generic):
            if o.dtype.kind not in _NUMERIC_KINDS:
                raise StateFormatError(f"numpy scalar {o.dtype} not allowed")
            return {"n": [o.dtype.str, o.item()]}
        if isinstance(o, np.ndarray):
            return self.array(o)
        if sp.issparse(o):
            fmt = o.format
            if fmt not in _SPARSE:
                o, fmt = o.tocsr(), "csr"
            return {
                "sp": fmt,
                "shape": list(o.shape),
                "data": self.array(o.data),
                "indices": self.array(o.indices),
                "indptr": self.array(o.indptr),
            }
        if isinstance(o, dt.datetime):
            return {"dtm": o.isoformat()}
        if isinstance(o, dt.date):
            return {"date": o.isoformat()}
        if isinstance(o, type):
            return self.type_ref(o)
        if isinstance(o, types.FunctionType):
            name = _class_name(o)  # same module:qualname form
            _allowed_function(name)
            return {"fn": name}
        key = id(o)
        if key in self._active:
            raise StateFormatError("cyclic reference")
        self._active.add(key)
        try:
            return self.container(o)
        finally:
            self._active.discard(key)

    def type_ref(self, o: type) -> dict[str, Any]:
        if o in _BUILTIN_TYPES.values():
            return {"ty": o.__name__}
        if issubclass(o, np.generic) and np.dtype(o).kind in _NUMERIC_KINDS:
            return {"ty": "np." + np.dtype(o).name}
        raise StateFormatError(f"type not allowed: {o!r}")

    def container(self, o: Any) -> Any:
        if type(o) is list:
            return [self.enc(v) for v in o]
        if type(o) is tuple:
            return {"t": [self.enc(v) for v in o]}
        if type(o) is dict:
            return {"d": [[self.enc(k), self.enc(v)] for k, v in o.items()]}
        if type(o) is set:
            return {"s": [self.enc(v) for v in o]}
        if type(o) is frozenset:
            return {"fs": [self.enc(v) for v in o]}
        cls = type(o)
        name = _class_name(cls)
        _allowed_class(name)
        state: dict[str, Any] = {}
        if hasattr(o, "__dict__"):
            state.update(vars(o))
        for slot in _slots(cls):
            if hasattr(o, slot):
                state[slot] = getattr(o, slot)
        return {"o": name, "s": {k: self.enc(v) for k, v in state.items()}}


class _Decoder:
    def __init__(self, buffers: dict[str, np.ndarray]) -> None:
        self.buffers = buffers

    def array(self, ref: Any) -> np.ndarray:
        dtype, offset, shape = ref
        buffer = self.buffers.get(dtype)
        size = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if buffer is None or not 0 <= offset <= buffer.size - size or min(shape, default=0) < 0:
            raise StateFormatError("array out of range")
        return buffer[offset : offset + size].reshape(shape)

    def dec(self, o: Any) -> Any:
        if o is None or isinstance(o, (bool, str, int, float)):
            return o
        if isinstance(o, list):
            return [self.dec(v) for v in o]
        if not isinstance(o, dict) or len(o) not in (1, 2, 5):
            raise StateFormatError("malformed value")
        if "a" in o:
            return self.array(o["a"])
        if "t" in o:
            return tuple(self.dec(v) for v in o["t"])
        if "d" in o:
            return {self.dec(k): self.dec(v) for k, v in o["d"]}
        if "s" in o and "o" not in o:
            return {self.dec(v) for v in o["s"]}
        if "fs" in o:
            return frozenset(self.dec(v) for v in o["fs"])
        if "n" in o:
            dtype, value = o["n"]
            if np.dtype(dtype).kind not in _NUMERIC_KINDS:
                raise StateFormatError("numpy scalar not allowed")
            return np.dtype(dtype).type(value)
        if "sp" in o:
            cls = _SPARSE.get(o["sp"])
            if cls is None:
                raise StateFormatError("sparse format not allowed")
            parts = (self.dec(o["data"]), self.dec(o["indices"]), self.dec(o["indptr"]))
            return cls(parts, shape=tuple(o["shape"]))
        if "dtm" in o:
            return dt.datetime.fromisoformat(o["dtm"])
        if "date" in o:
            return dt.date.fromisoformat(o["date"])
        if "ty" in o:
            name = o["ty"]
            if name in _BUILTIN_TYPES:
                return _BUILTIN_TYPES[name]
            if name.startswith("np.") and np.dtype(name[3:]).kind in _NUMERIC_KINDS:
                return np.dtype(name[3:]).type
            raise StateFormatError(f"type not allowed: {name}")
        if "fn" in o:
            return _allowed_function(o["fn"])
        if "o" in o:
            cls = _allowed_class(o["o"])
            obj = object.__new__(cls)
            for key, value in o["s"].items():
                if not isinstance(key, str) or key.startswith("__"):
                    raise StateFormatError("attribute not allowed")
                object.__setattr__(obj, key, self.dec(value))
            return obj
        raise StateFormatError("malformed value")


def dump(obj: Any, file: str | Path | io.BufferedIOBase) -> None:
    """Write ``obj`` to ``file`` (an ``.npz``: the JSON tree and one flat array per dtype)."""
    encoder = _Encoder()
    tree = json.dumps({"format": FORMAT, "root": encoder.enc(obj)}, ensure_ascii=True)
    arrays = {"tree": np.frombuffer(tree.encode("ascii"), dtype=np.uint8)}
    names = sorted(encoder.buffers)
    arrays["dtypes"] = np.frombuffer(json.dumps(names).encode("ascii"), dtype=np.uint8)
    for i, dtype in enumerate(names):
        arrays[f"b{i}"] = np.concatenate(encoder.buffers[dtype]).astype(dtype, copy=False)
    np.savez(file, **arrays)  # type: ignore[arg-type]


def load(file: str | Path | io.BufferedIOBase) -> Any:
    """Read what :func:`dump` wrote; raises :class:`StateFormatError` (or ``OSError``) for a file
    that is damaged or not of this format. Never unpickles."""
    try:
        with np.load(file, allow_pickle=False) as npz:
            names = json.loads(npz["dtypes"].tobytes().decode("ascii"))
            buffers = {}
            for i, dtype in enumerate(names):
                buffer = npz[f"b{i}"]
                if buffer.dtype.str != dtype or buffer.dtype.kind not in _NUMERIC_KINDS:
                    raise StateFormatError("buffer dtype mismatch")
                buffers[dtype] = buffer
            data = json.loads(npz["tree"].tobytes().decode("ascii"))
    except StateFormatError:
        raise
    except (KeyError, ValueError, EOFError, TypeError, RecursionError) as exc:
        raise StateFormatError(f"not a state file: {type(exc).__name__}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StateFormatError("not a state file")
    try:
        return _Decoder(buffers).dec(data["root"])
    except StateFormatError:
        raise
    except (KeyError, ValueError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise StateFormatError(f"malformed state: {type(exc).__name__}") from None
