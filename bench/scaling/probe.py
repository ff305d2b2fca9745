#!/usr/bin/env python3
"""Client side of bench/scaling/run.sh (Python 3 standard library only).

  probe.py first-token URL KEY MODEL      one streamed chat request; prints milliseconds from sending it to the
                                          first SSE event that carries generated text
  probe.py burst URL KEY MODEL N TOKENS   N clients sending streamed requests of TOKENS tokens back to back
                                          until 3 replicas are ready (at most 120 s), polling
                                          GET /api/v1/deployments/MODEL; prints seconds from the first request
                                          until 3 replicas were desired and until 3 were ready, the requests
                                          answered, and how many failed
  probe.py state URL KEY MODEL            prints "desired ready listening-standbys" of the deployment
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse


def conn(url):
    u = urllib.parse.urlparse(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=600)


def first_token(url, key, model, tokens=8):
    body = json.dumps({"model": model, "stream": True, "max_tokens": tokens, "temperature": 0,
                       "messages": [{"role": "user", "content": "Once upon a time"}]})
    c = conn(url)
    t0 = time.perf_counter()
    c.request("POST", "/v1/chat/completions", body, {"Authorization": "Bearer " + key,
                                                     "Content-Type": "application/json"})
    r = c.getresponse()
    if r.status != 200:
        raise SystemExit("status %d: %s" % (r.status, r.read()[:300]))
    first = None
    while True:
        line = r.readline()
        if not line:
            break
        line = line.strip()
        if first is None and line.startswith(b"data: {"):
            event = json.loads(line[6:])
            choices = event.get("choices") or []
            if choices and (choices[0].get("delta") or {}).get("content"):
                first = time.perf_counter() - t0
        if line == b"data: [DONE]":
            break
    c.close()
    return first


def deployment(url, key, model):
    c = conn(url)
    c.request("GET", "/api/v1/deployments/" + model, headers={"Authorization": "Bearer " + key})
    r = c.getresponse()
    d = json.loads(r.read())
    c.close()
    return d


def metric(url, name):
    c = conn(url)
    c.request("GET", "/metrics")
    text = c.getresponse().read().decode()
    c.close()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def burst(url, key, model, n, tokens):
    failures = []
    answered = []
    stop = threading.Event()

    def client():
        while not stop.is_set():
            try:
                if first_token(url, key, model, tokens) is None:
                    failures.append("no token")
                else:
                    answered.append(1)
            except BaseException as e:  # noqa: BLE001 - a benchmark counts every failure
                failures.append(str(e))

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(n)]
    for t in threads:
        t.start()
    desired3 = ready3 = None
    while ready3 is None and time.perf_counter() - t0 < 120:
        d = deployment(url, key, model)["status"]
        now = time.perf_counter() - t0
        if desired3 is None and d["desired_replicas"] >= 3:
            desired3 = now
        if d["ready_replicas"] >= 3:
            ready3 = now
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join()
    return desired3, ready3, len(answered), len(failures)


def main(argv):
    mode, url, key, model = argv[1:5]
    if mode == "first-token":
        ms = first_token(url, key, model)
        print("%.0f" % (ms * 1000) if ms is not None else "none")
    elif mode == "burst":
        d3, r3, answered, failed = burst(url, key, model, int(argv[5]), int(argv[6]))
        fmt = lambda v: "%.2f" % v if v is not None else "never"  # noqa: E731
        print("desired3 %s ready3 %s answered %d failed %d" % (fmt(d3), fmt(r3), answered, failed))
    elif mode == "state":
        d = deployment(url, key, model)["status"]
        print(d["desired_replicas"], d["ready_replicas"], int(metric(url, "kiban_warm_pool_workers")))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
