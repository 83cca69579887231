"""A crawl frontier shared by several crawl processes through Redis (scrapy-redis), with leases.

scrapy-redis gives the shared request queue (a sorted set) and the shared dupefilter (a set of
request fingerprints); every process of a crawl uses the same keys, made from the crawl's name::

    archiver:frontier:<name>:requests     scrapy-redis PriorityQueue (sorted set of pickled requests)
    archiver:frontier:<name>:dupefilter   scrapy-redis RFPDupeFilter (fingerprints seen)
    archiver:frontier:<name>:spec         the crawl's options (JSON), for ``archiver worker``
    archiver:frontier:<name>:workers      ids of the processes working on it
    archiver:frontier:<name>:alive:<id>   a worker's heartbeat (expires after the lease TTL)
    archiver:frontier:<name>:leases:<id>  the requests a worker popped and has not finished

scrapy-redis alone loses a request popped by a process that dies before finishing it. Here a
pop moves the request into the worker's lease hash in one Lua script (no window between the
two). A lease is released when Scrapy's engine is done with the request: downloaded, archived
by the capture middleware, its callback's new requests queued and its items through the
pipelines (the engine keeps the request in its in-progress set until then). Each worker
refreshes its heartbeat every third of ``ARCHIVER_FRONTIER_LEASE_TTL`` seconds (default 30);
any worker that finds a worker's heartbeat expired moves that worker's leases back into the
queue (one Lua script, so two reapers cannot re-queue a lease twice). Requests are therefore
fetched at least once: a request a dead worker had fetched and archived is fetched again
(the incremental middleware then skips or replays it from the archive instead of re-fetching
a page archived moments ago).

A process stops when the queue is empty and no live worker holds a lease (a leased request may
still yield new links). ``archiver crawl --frontier`` publishes the crawl's options once its
first request is queued; ``archiver worker`` reads them, builds the same spider and takes
requests from the queue without adding seeds of its own.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from archiver.core.errors import CrawlError
from archiver.crawler.crawl.options import CrawlOptions

__all__ = [
    "FrontierError", "FrontierKeys", "LeasedScheduler", "NoSeedsMiddleware", "crawl_spec", "frontier_settings",
    "live_workers", "options_from_spec", "read_spec", "reset_frontier",
]

log = logging.getLogger(__name__)

DEFAULT_LEASE_TTL = 30.0

# Pop the best request and lease it to a worker, atomically. KEYS: queue, leases, sequence.
_POP_AND_LEASE = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #found == 0 then return false end
redis.call('ZREM', KEYS[1], found[1])
local id = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], id, found[2] .. '|' .. found[1])
return {id, found[1]}
"""

# Put every request a worker holds back in the queue and forget the worker. KEYS: queue, leases,
# workers; ARGV: worker id. Returns how many requests went back.
_REQUEUE = """
local held = redis.call('HVALS', KEYS[2])
for _, value in ipairs(held) do
  local sep = string.find(value, '|', 1, true)
  redis.call('ZADD', KEYS[1], string.sub(value, 1, sep - 1), string.sub(value, sep + 1))
end
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
return #held
"""


class FrontierError(CrawlError):
    """The frontier cannot be used (Redis unreachable, no such crawl, ...)."""


@dataclass(frozen=True)
class FrontierKeys:
    """The Redis keys of one crawl's frontier."""

    name: str

    @property
    def prefix(self) -> str:
        """What every key of this crawl starts with."""
        return f"archiver:frontier:{self.name}"

    @property
    def requests(self) -> str:
        """The scrapy-redis request queue."""
        return f"{self.prefix}:requests"

    @property
    def dupefilter(self) -> str:
        """The scrapy-redis dupefilter set."""
        return f"{self.prefix}:dupefilter"

    @property
    def spec(self) -> str:
        """The crawl's options as JSON."""
        return f"{self.prefix}:spec"

    @property
    def workers(self) -> str:
        """The set of worker ids."""
        return f"{self.prefix}:workers"

    @property
    def sequence(self) -> str:
        """The lease id counter."""
        return f"{self.prefix}:lease-seq"

    def alive(self, worker: str) -> str:
        """A worker's heartbeat key."""
        return f"{self.prefix}:alive:{worker}"

    def leases(self, worker: str) -> str:
        """A worker's lease hash."""
        return f"{self.prefix}:leases:{worker}"


def connect(url: str) -> redis.Redis:
    """A Redis client for ``url``, checked with a PING."""
    try:
        client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10)
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise FrontierError(f"cannot reach the frontier at {url}: {exc}") from exc
    return client


def frontier_settings(url: str, name: str, *, worker: bool, spec: dict[str, Any] | None = None,
                      lease_ttl: float | None = None) -> dict[str, Any]:
    """Scrapy settings that make a crawl use the shared frontier ``url`` under crawl ``name``."""
    keys = FrontierKeys(name)
    settings: dict[str, Any] = {
        "SCHEDULER": "archiver.crawler.crawl.frontier.LeasedScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "REDIS_URL": url,
        "ARCHIVER_FRONTIER_NAME": name,
        "ARCHIVER_FRONTIER_SPEC": json.dumps(spec) if spec is not None else "",
    }
    if lease_ttl is not None:
        settings["ARCHIVER_FRONTIER_LEASE_TTL"] = lease_ttl
    if worker:
        settings["SPIDER_MIDDLEWARES"] = {"archiver.crawler.crawl.frontier.NoSeedsMiddleware": 10}
    return settings


def crawl_spec(options: CrawlOptions) -> dict[str, Any]:
    """What a worker needs to build the crawl's spider: the options and JSON-safe spider arguments."""
    if options.discovery == "urls":
        spider_args: dict[str, Any] = {"urls": " ".join(options.listed_urls())}
    else:
        spider_args = {key: value.isoformat() if isinstance(value, datetime) else value
                       for key, value in options.spider_args().items()}
    return {"options": options.recorded(), "spider_args": spider_args}


def options_from_spec(spec: dict[str, Any], name: str) -> tuple[CrawlOptions, dict[str, Any]]:
    """The crawl options and spider arguments a worker of crawl ``name`` runs with."""
    recorded = dict(spec["options"])
    recorded.update(name=name, resume=False)
    return CrawlOptions(**recorded), dict(spec["spider_args"])


def read_spec(url: str, name: str) -> dict[str, Any]:
    """The options ``archiver crawl --frontier`` published for crawl ``name``."""
    raw = connect(url).get(FrontierKeys(name).spec)
    if raw is None:
        raise FrontierError(f"no crawl named {name!r} on {url}: start it with archiver crawl ... --frontier {url} "
                            f"--name {name}")
    return json.loads(raw)


def live_workers(client: redis.Redis, name: str) -> list[str]:
    """Ids of the workers of crawl ``name`` whose heartbeat has not expired."""
    keys = FrontierKeys(name)
    members = sorted(m.decode() for m in client.smembers(keys.workers))
    return [m for m in members if client.exists(keys.alive(m))]


def reset_frontier(url: str, name: str) -> None:
    """Forget crawl ``name``'s queue, seen URLs and leases (a fresh crawl); refused while workers are alive."""
    client = connect(url)
    keys = FrontierKeys(name)
    alive = live_workers(client, name)
    if alive:
        raise FrontierError(f"crawl {name!r} is running on {url} ({len(alive)} worker(s)); join it with "
                            f"archiver worker --frontier {url} --name {name}, or use another --name")
    stale = list(client.scan_iter(match=f"{keys.prefix}:*"))
    if stale:
        client.delete(*stale)


class LeasedScheduler(Scheduler):
    """scrapy-redis's scheduler with per-worker leases, heartbeats and re-queueing of dead workers."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeasedScheduler:
        """Build from the crawler's settings (the frontier name and lease TTL are archiver settings)."""
        instance = super().from_crawler(crawler)
        instance.crawler = crawler
        settings = crawler.settings
        instance.keys = FrontierKeys(settings.get("ARCHIVER_FRONTIER_NAME"))
        instance.ttl = settings.getfloat("ARCHIVER_FRONTIER_LEASE_TTL", DEFAULT_LEASE_TTL)
        instance.spec = settings.get("ARCHIVER_FRONTIER_SPEC") or ""
        instance.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        instance.held = {}
        instance.spec_published = False
        return instance

    # Scrapy's scheduler interface ------------------------------------------------------------
    def open(self, spider: Spider) -> None:
        """Open the queue and dupefilter, register this worker and start its heartbeat."""
        super().open(spider)
        self._pop = self.server.register_script(_POP_AND_LEASE)
        self._requeue = self.server.register_script(_REQUEUE)
        self._beat()
        self._heartbeat = task.LoopingCall(self._beat)
        self._heartbeat.start(max(self.ttl / 3, 0.1), now=False)
        log.info("frontier worker %s joined crawl %s", self.worker_id, self.keys.name)

    def close(self, reason: str) -> None:
        """Stop the heartbeat; requests still leased go back to the queue; leave the worker set."""
        if getattr(self, "_heartbeat", None) is not None and self._heartbeat.running:
            self._heartbeat.stop()
        self._release_finished()
        returned = self._requeue(keys=[self.queue_key_name, self.keys.leases(self.worker_id), self.keys.workers],
                                 args=[self.worker_id])
        if returned:
            log.info("frontier: %d unfinished requests put back in the queue", returned)
        self.server.delete(self.keys.alive(self.worker_id))
        super().close(reason)

    def enqueue_request(self, request: Request) -> bool:
        """Queue through the shared dupefilter; the first queued request publishes the crawl's options."""
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        if self.spec and not self.spec_published:
            self.server.set(self.keys.spec, self.spec)
            self.spec_published = True
        return True

    def next_request(self) -> Request | None:
        """Pop and lease the best queued request (None when the queue is empty)."""
        self._release_finished()
        found = self._pop(keys=[self.queue_key_name, self.keys.leases(self.worker_id), self.keys.sequence])
        if not found:
            return None
        lease, raw = found
        request = self.queue._decode_request(raw)
        self.held[int(lease)] = request
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        """True while the queue holds requests or another live worker is working on one."""
        self._release_finished()
        if len(self.queue):
            return True
        self._reap_dead()
        if len(self.queue):
            return True
        for worker in self.server.smembers(self.keys.workers):
            worker_id = worker.decode()
            if worker_id != self.worker_id and self.server.hlen(self.keys.leases(worker_id)):
                return True
        return False

    # Leases ----------------------------------------------------------------------------------
    @property
    def queue_key_name(self) -> str:
        """The Redis key of the shared queue."""
        return self.queue.key

    def _in_progress(self) -> set[Request] | None:
        engine = getattr(self.crawler, "engine", None)
        slot = getattr(engine, "_slot", None)  # the engine keeps each request here until it is fully handled
        return None if slot is None else slot.inprogress

    def _release_finished(self) -> None:
        """Release the leases of requests the engine has finished with."""
        in_progress = self._in_progress()
        if in_progress is None or not self.held:
            return
        done = [lease for lease, request in self.held.items() if request not in in_progress]
        if done:
            self.server.hdel(self.keys.leases(self.worker_id), *done)
            for lease in done:
                del self.held[lease]

    def _beat(self) -> None:
        """Refresh this worker's heartbeat (and membership: a worker wrongly reaped joins again)."""
        try:
            pipe = self.server.pipeline()
            pipe.sadd(self.keys.workers, self.worker_id)
            pipe.set(self.keys.alive(self.worker_id), "1", px=int(self.ttl * 1000))
            pipe.execute()
            self._release_finished()
        except redis.RedisError as exc:
            log.warning("frontier heartbeat failed: %s", exc)

    def _reap_dead(self) -> None:
        """Put the leased requests of workers whose heartbeat expired back in the queue."""
        for worker in self.server.smembers(self.keys.workers):
            worker_id = worker.decode()
            if worker_id == self.worker_id or self.server.exists(self.keys.alive(worker_id)):
                continue
            returned = self._requeue(keys=[self.queue_key_name, self.keys.leases(worker_id), self.keys.workers],
                                     args=[worker_id])
            log.warning("frontier: worker %s is gone; %d of its requests put back in the queue", worker_id, returned)
            if self.stats:
                self.stats.inc_value("archiver/frontier/requeued", returned)


class NoSeedsMiddleware:
    """Spider middleware for ``archiver worker``: the spider's start requests are not queued (the crawl has them)."""

    async def process_start(self, start: Any) -> Any:
        """Drain nothing: a worker only takes requests from the shared queue."""
        return
        yield  # pragma: no cover - makes this an async generator
