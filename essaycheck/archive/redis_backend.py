"""The shared archive: one Redis for many reviewers (``redis://HOST:PORT/DB``).

The index is datasketch's MinHash LSH with its Redis storage (the same
:class:`~essaycheck.candidates.CandidateIndex` a batch builds in memory); essays are Redis hashes
next to it, under the ``essaycheck:`` prefix:

    essaycheck:meta                   format, settings
    essaycheck:version                changes with every add and remove (run cache key)
    essaycheck:next                   last essay number handed out (INCRBY: never reused)
    essaycheck:campaigns              name -> {resolution_title, created}
    essaycheck:campaign:NAME:ids      essay id -> essay number (HSETNX: one writer wins an id)
    essaycheck:campaign:NAME:res      the campaign's resolution text
    essaycheck:essay:N                campaign, id, info, shingles, facts, record
    ec:fu* ec:wi* ec:fa*              datasketch's band tables and key tables (a short prefix:
                                      every bucket's key and entry repeats it)

The index keeps datasketch's layout exactly (datasketch's own ``MinHashLSH`` reads it), but is
written and read in bulk: datasketch sends a command per bucket, and an essay has ~240 buckets.
Adding writes one RPUSH per key, one HSET per band table and one script call per 5,000 SADDs;
a look-up reads 5,000 buckets per script call; removing a campaign is pipelined and frees every
bucket and band-table entry it emptied.

Two reviewers adding at once: ids are claimed with HSETNX, numbers reserved with INCRBY, records
written before their index entries (a check never finds a key without its essay), so nothing is
lost. Values are JSON, zlib-compressed JSON and raw ``uint64`` bytes: nothing is unpickled.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from datasketch import MinHashLSH

from ..candidates import CandidateIndex, Sketches, text_key, window_key
from . import (
    AddResult,
    Archive,
    ArchivedEssay,
    ArchiveError,
    Campaign,
    Entry,
    Settings,
    Summary,
    chunks,
    decode_record,
    split_summary,
)

_SADD_MANY = "for i = 1, #KEYS do redis.call('SADD', KEYS[i], ARGV[i]) end return #KEYS"
_SMEMBERS_MANY = """local out = {}
for i = 1, #KEYS do out[i] = redis.call('SMEMBERS', KEYS[i]) end
return out"""
_SCRIPT_KEYS = 5000  # keys per script call: a few milliseconds of Redis's time
PREFIX = b"essaycheck:"
INDEX_PREFIX = b"ec:"
# 2: integer window keys and 8-byte band digests (~63 KB of memory an essay; 1 took ~100 KB).
FORMAT = "essaycheck-redis-2"


def _redis() -> Any:
    try:
        import redis
    except ImportError as exc:  # pragma: no cover - the extra is not installed
        raise ArchiveError(
            "Chưa cài thư viện redis: hãy chạy `pip install 'essaycheck[redis]'` rồi thử lại."
        ) from exc
    return redis


def _k(*parts: str | bytes | int) -> bytes:
    out = PREFIX
    for i, p in enumerate(parts):
        b = p if isinstance(p, bytes) else str(p).encode("utf-8", "surrogatepass")
        out += (b":" if i else b"") + b
    return out


class _BulkReads:
    """One of datasketch's Redis band tables, whose ``getmany`` (the index's look-up) reads a
    script call's worth of buckets at once instead of one command each: a 1,000-essay check
    looks up some 240,000 buckets."""

    def __init__(self, table: Any, script: Any) -> None:
        self.table = table
        self.script = script

    def __getattr__(self, name: str) -> Any:
        return getattr(self.table, name)

    def getmany(self, *keys: bytes) -> list[set[bytes]]:
        out: list[set[bytes]] = []
        for lo in range(0, len(keys), _SCRIPT_KEYS):
            names = [self.table.redis_key(k) for k in keys[lo : lo + _SCRIPT_KEYS]]
            out.extend(set(members) for members in self.script(keys=names))
        return out


class RedisArchive(Archive):
    def __init__(self, url: str, create: bool = True) -> None:
        redis = _redis()
        parts = urlsplit(url)
        # The location as shown and keyed: without a password.
        netloc = parts.hostname or "localhost"
        if parts.port:
            netloc += f":{parts.port}"
        self.location = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
        try:
            self.r = redis.Redis.from_url(url)
            self.r.ping()
        except (redis.RedisError, ValueError) as exc:
            raise ArchiveError(
                f"Không kết nối được kho bài {self.location} ({exc}): hãy kiểm tra máy chủ Redis "
                "đang chạy và địa chỉ redis://MÁY:CỔNG/SỐ_CSDL."
            ) from exc
        meta = self.r.hgetall(_k("meta"))
        if not meta:
            if not create:
                raise ArchiveError(f"Không có kho bài ở {self.location}.")
            self.r.hsetnx(_k("meta"), "format", FORMAT)
            self.r.hsetnx(_k("meta"), "settings", Settings().to_json())
            meta = self.r.hgetall(_k("meta"))
        if meta.get(b"format", b"").decode() != FORMAT:
            raise ArchiveError(
                f"Kho bài {self.location} có định dạng {meta.get(b'format')!r}, phiên bản này "
                f"đọc {FORMAT!r}: hãy dùng một CSDL Redis trống (redis://MÁY:CỔNG/SỐ_KHÁC) rồi "
                "thêm lại các đợt bằng `essaycheck archive add`."
            )
        self.settings = Settings.from_json(meta[b"settings"].decode())
        kwargs = self.r.connection_pool.connection_kwargs
        config = {
            key: kwargs[key]
            for key in ("host", "port", "db", "username", "password", "path")
            if kwargs.get(key) is not None
        }
        if "path" in config:  # unix socket
            config["unix_socket_path"] = config.pop("path")
        self._sadd_many = self.r.register_script(_SADD_MANY)
        smembers_many = self.r.register_script(_SMEMBERS_MANY)

        def bulk_reads(kind: str, lsh: MinHashLSH) -> None:
            lsh.hashtables = [_BulkReads(t, smembers_many) for t in lsh.hashtables]

        self._index = CandidateIndex(
            self.params,
            {"type": "redis", "redis": config, "basename": INDEX_PREFIX},
            attach=bulk_reads,
        )

    @property
    def index(self) -> CandidateIndex:
        return self._index

    def close(self) -> None:
        self.r.close()

    def campaigns(self) -> list[Campaign]:
        out = []
        for name, raw in self.r.hgetall(_k("campaigns")).items():
            info = json.loads(raw)
            name = name.decode()
            n = self.r.hlen(_k("campaign", name, "ids"))
            res = (self.r.get(_k("campaign", name, "res")) or b"").decode()
            out.append(Campaign(name, info["resolution_title"], n, info["created"], res))
        return sorted(out, key=lambda c: (c.created, c.name))

    def state(self) -> str:
        return f"{self.location}#{int(self.r.get(_k('version')) or 0)}"

    def _hmget(self, keys: Sequence[int], fields: Sequence[str]) -> list[tuple[int, list]]:
        out = []
        for chunk in chunks(list(keys), 2000):
            pipe = self.r.pipeline(transaction=False)
            for key in chunk:
                pipe.hmget(_k("essay", key), *fields)
            out.extend(zip(chunk, pipe.execute(), strict=True))
        return [(k, v) for k, v in out if v[0] is not None]  # removed since the query

    def summaries(self, keys: Sequence[int]) -> dict[int, Summary]:
        rows = self._hmget(keys, ("shingles", "facts"))
        return {k: split_summary(blob, facts.decode()) for k, (blob, facts) in rows}

    def essays(self, keys: Sequence[int]) -> list[ArchivedEssay]:
        rows = self._hmget(keys, ("campaign", "id", "record"))
        return [decode_record(k, c.decode(), i.decode(), rec) for k, (c, i, rec) in rows]

    def keys(self, campaign: str) -> list[int]:
        values = self.r.hvals(_k("campaign", campaign, "ids"))
        return sorted(int(v) for v in values if int(v) > 0)

    def _store(self, campaign: Campaign, entries: list[Entry]) -> AddResult:
        info = json.dumps(
            {"resolution_title": campaign.resolution_title, "created": campaign.created}
        )
        self.r.hsetnx(_k("campaigns"), campaign.name, info)
        self.r.setnx(_k("campaign", campaign.name, "res"), campaign.resolution)
        ids = _k("campaign", campaign.name, "ids")
        pipe = self.r.pipeline(transaction=False)
        for e in entries:
            pipe.hsetnx(ids, e.id, -1)  # claim the id; the number follows
        claimed = pipe.execute()
        new = [e for e, ok in zip(entries, claimed, strict=True) if ok]
        skipped = tuple(e.id for e, ok in zip(entries, claimed, strict=True) if not ok)
        if new:
            last = int(self.r.incrby(_k("next"), len(new)))
            numbered = list(zip(range(last - len(new) + 1, last + 1), new, strict=True))
            for chunk in chunks(numbered, 500):
                pipe = self.r.pipeline(transaction=False)
                for key, e in chunk:
                    pipe.hset(
                        _k("essay", key),
                        mapping={
                            "campaign": e.campaign,
                            "id": e.id,
                            "info": json.dumps(e.info(), ensure_ascii=False),
                            "shingles": e.shingles.astype("<u8").tobytes(),
                            "facts": json.dumps(e.facts, ensure_ascii=False),
                            "record": e.record,
                        },
                    )
                    pipe.hset(ids, e.id, key)
                pipe.execute()
            self._insert_index((key, e.sketches) for key, e in numbered)
        self.r.incr(_k("version"))
        return AddResult(campaign.name, len(new), skipped)

    def remove(self, campaign: str) -> int:
        if not self.r.hexists(_k("campaigns"), campaign):
            raise ArchiveError(f"Kho bài không có đợt '{campaign}'.")
        ids = _k("campaign", campaign, "ids")
        keys = [int(v) for v in self.r.hvals(ids) if int(v) > 0]
        infos = self._hmget(keys, ("info",))
        self.r.hdel(_k("campaigns"), campaign)  # listed no more, before anything is removed
        self._unindex([(k, int(json.loads(v[0])["n_windows"])) for k, v in infos])
        for chunk in chunks(keys, 1000):
            self.r.delete(*[_k("essay", k) for k in chunk])
        self.r.delete(ids, _k("campaign", campaign, "res"))
        self.r.incr(_k("version"))
        return len(keys)

    def _insert_index(self, items: Iterable[tuple[int, Sketches]]) -> None:
        """Write texts into the index in datasketch's Redis layout, in bulk.

        datasketch's insertion sends four commands per key and band (HSET and SADD per bucket,
        HSET and RPUSH per key): half the time of adding a batch. The same keys and values
        written here take one RPUSH per key, one HSET per band table and one script call per
        5,000 buckets; datasketch reads them back unchanged (tested)."""
        by_kind: dict[str, list[tuple[bytes, Any]]] = defaultdict(list)
        for kind, key, m in self._index.entries(items):
            by_kind[kind].append((key, m))
        for kind, rows in by_kind.items():
            lsh = self._index.lsh[kind]
            for chunk in chunks(rows, 1000):
                pipe = self.r.pipeline(transaction=False)
                tables: list[dict[bytes, bytes]] = [{} for _ in lsh.hashtables]
                buckets: list[bytes] = []
                members: list[bytes] = []
                for key, m in chunk:
                    hs = [lsh._H(m.hashvalues[a:b]) for a, b in lsh.hashranges]
                    for h, table, entries in zip(hs, lsh.hashtables, tables, strict=True):
                        entries[h] = table.redis_key(h)
                        buckets.append(entries[h])
                        members.append(key)
                    pipe.rpush(lsh.keys.redis_key(key), *hs)
                pipe.hset(lsh.keys._name, mapping={k: lsh.keys.redis_key(k) for k, _ in chunk})
                for table, entries in zip(lsh.hashtables, tables, strict=True):
                    pipe.hset(table._name, mapping=entries)
                for lo in range(0, len(buckets), _SCRIPT_KEYS):
                    hi = lo + _SCRIPT_KEYS
                    self._sadd_many(keys=buckets[lo:hi], args=members[lo:hi], client=pipe)
                pipe.execute()

    def _unindex(self, items: list[tuple[int, int]]) -> None:
        """Remove texts given as (number, number of windows) from the index, pipelined.

        datasketch's buffered removal leaves each emptied bucket's entry in its band table (it
        asks whether the bucket is empty before its SREM has run: a third of the index's memory
        never freed) and unbuffered removal is a round trip per bucket; so: the band hashes of
        every key from datasketch's key table, SREM from every bucket, then HDEL the entries of
        the buckets left empty. Look-ups read buckets, never band tables, so a bucket refilled
        by another reviewer between the two steps is still found."""
        for kind, lsh in self._index.lsh.items():
            if kind == "window":
                keys = [window_key(n, w) for n, count in items for w in range(count)]
            else:
                keys = [text_key(n) for n, _ in items]
            for chunk in chunks(keys, 2000):
                bands = lsh.keys.getmany(*chunk)  # each key's band hashes, table by table
                touched = [
                    (table, h, key)
                    for key, hs in zip(chunk, bands, strict=True)
                    for h, table in zip(hs, lsh.hashtables, strict=False)
                ]
                pipe = self.r.pipeline(transaction=False)
                for table, h, key in touched:
                    pipe.srem(table.redis_key(h), key)
                pipe.execute()
                pipe = self.r.pipeline(transaction=False)
                for table, h, _ in touched:
                    pipe.exists(table.redis_key(h))
                pipe2 = self.r.pipeline(transaction=False)
                for (table, h, _), left in zip(touched, pipe.execute(), strict=True):
                    if not left:
                        pipe2.hdel(table._name, h)  # the band table's entry
                pipe2.execute()
                found = [k for k, hs in zip(chunk, bands, strict=True) if hs]
                if found:  # a text too short for a sketch of this kind has no key
                    lsh.keys.remove(*found)

    def memory(self) -> int:
        """Bytes Redis uses (the whole database, index and essays)."""
        return int(self.r.info("memory")["used_memory"])
