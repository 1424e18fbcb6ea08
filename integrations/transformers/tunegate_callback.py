"""tunegate's callback for the Hugging Face Trainer (and TRL, Unsloth, axolotl, which use it).

One file, Python standard library only: copy it next to your training script.

    from tunegate_callback import TunegateCallback
    trainer = Trainer(..., callbacks=[TunegateCallback(
        server="http://127.0.0.1:3000", base_url="http://127.0.0.1:8000/v1",
        base="base", tags={"mix": "bio-v2"}, stop_on_forgetting=True)])

Each save registers the saved LoRA adapter on a tunegate server (`POST /api/checkpoints` with
`autoRun`): the server loads it into the running vLLM or SGLang and evaluates it. The latest finished
run's headline metrics are added to the Trainer's logs (`tunegate/bio_accuracy`, ...), and with
`stop_on_forgetting=True` training stops once the gate's forgetting alarm fires. Nothing here
raises into training: every failure is logged once per kind and training goes on.

The Trainer calls callbacks by method name with `(args, state, control, **kwargs)`, so no
`transformers` import is needed.
"""

import json
import logging
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

__all__ = ["TunegateCallback"]

#: The run metrics added to the Trainer's logs (when the run has them).
HEADLINE_METRICS = ("bio_accuracy", "blog_quality", "known_accuracy", "knowledge_margin")
#: The gate's forgetting alarm: accuracy on what the base model knew.
FORGETTING_METRICS = ("acc_highly_known", "acc_maybe_known")
_FINISHED = ("completed", "failed", "cancelled", "interrupted")
_WAIT_FAILURES = 3
# The checkpoint-name rule of server/checkpoint-name.ts: letters, digits and . _ : @ + - /, at most 200.
_NAME_MAX = 200
_NOT_NAME = re.compile(r"[^\w.:@+\-/]")


def _sanitize(name):
    return _NOT_NAME.sub("-", name).strip("-") or "run"


class _Failure(Exception):
    """A request that failed, with the kind it is logged once under."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


class TunegateCallback:
    """Registers every saved adapter on a tunegate server, logs its metrics, stops on forgetting.

    server: the tunegate server's URL. base_url: the model server's OpenAI-compatible URL (as the
    tunegate server reaches it). base: the base checkpoint's name on the server (registered and
    categorized beforehand), against which the gate's forgetting alarm compares. tags: extra tags
    (`run=` the run name is always added). evalsets: eval-set names (default: every set the server
    offers). adapter_path: the adapter's path as the model server sees it, a format string with
    {output_dir}, {step} and {run_name} or a callable (args, state) -> str (default
    "{output_dir}/checkpoint-{step}"). token_env: the variable holding the bearer token.
    wait: block each save until its run finished (default: poll in a background thread).
    """

    def __init__(self, server, base_url, base=None, tags=None, evalsets=None, adapter_path=None,
                 run_name=None, token_env="TUNEGATE_TOKEN", wait=False, stop_on_forgetting=False,
                 timeout=10.0, poll_interval=2.0, wait_timeout=3600.0, prefix="tunegate/", logger=None):
        self.server = server.rstrip("/")
        self.base_url = base_url
        self.base = base
        self.tags = dict(tags or {})
        self.evalsets = list(evalsets) if evalsets is not None else None
        self.adapter_path = adapter_path or "{output_dir}/checkpoint-{step}"
        self.run_name = run_name
        self.token_env = token_env
        self.wait = wait
        self.stop_on_forgetting = stop_on_forgetting
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.wait_timeout = wait_timeout
        self.prefix = prefix
        self.log = logger or logging.getLogger("tunegate")
        self._lock = threading.Lock()
        self._pending = []  # (run id, checkpoint name, step, run name) not finished yet
        self._latest_step = None
        self._metrics = {}  # the latest finished run's headline metrics, prefixed
        self._stop_reason = None
        self._stopped = False
        self._logged = set()
        self._poller = None
        self._poll_failures = 0

    # The Trainer calls every event on every callback; the ones not written here do nothing.
    def __getattr__(self, name):
        if name.startswith("on_"):
            return lambda args, state, control, **kwargs: None
        raise AttributeError(name)

    def attach(self, trainer):
        """Puts this callback first in the trainer's list, so the report_to callbacks (W&B, MLflow,
        TensorBoard), which the Trainer places before the ones it is given, log its metrics too."""
        callbacks = trainer.callback_handler.callbacks
        if self in callbacks:
            callbacks.remove(self)
        callbacks.insert(0, self)
        return self

    # -- the Trainer's events ----------------------------------------------------------------

    def on_save(self, args, state, control, **kwargs):
        """Registers the saved checkpoint with autoRun; with wait=True, waits for its run."""
        try:
            if getattr(state, "is_world_process_zero", True):
                self._register(args, state)
        except Exception as e:  # never into training
            self._fail(_Failure("unexpected", "on_save failed: %r" % (e,)))
        return self._apply_stop(control)

    def on_log(self, args, state, control, logs=None, **kwargs):
        """Adds the latest finished run's headline metrics to the logs the Trainer passes on."""
        self._add_metrics(logs)
        return self._apply_stop(control)

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        """Adds the latest finished run's headline metrics to the evaluation metrics."""
        self._add_metrics(metrics)
        return self._apply_stop(control)

    def on_step_end(self, args, state, control, **kwargs):
        return self._apply_stop(control)

    def on_train_end(self, args, state, control, **kwargs):
        with self._lock:
            pending = len(self._pending)
        if pending:
            self.log.info("tunegate: %d run(s) still evaluating on %s; see GET %s/api/runs", pending, self.server, self.server)

    # -- what the events do ------------------------------------------------------------------

    def _name_of_run(self, args):
        output_dir = str(getattr(args, "output_dir", "") or "")
        name = self.run_name or getattr(args, "run_name", None)
        # Older transformers default run_name to output_dir: the folder's own name reads better.
        if not name or name == output_dir:
            name = os.path.basename(os.path.normpath(output_dir)) if output_dir else "run"
        return _sanitize(str(name))

    def _register(self, args, state):
        run = self._name_of_run(args)
        step = int(state.global_step)
        suffix = "-step-%d" % step
        name = run[: _NAME_MAX - len(suffix)] + suffix
        output_dir = str(getattr(args, "output_dir", "") or "")
        if callable(self.adapter_path):
            path = self.adapter_path(args, state)
        else:
            path = self.adapter_path.format(output_dir=output_dir.rstrip("/") or ".", step=step, run_name=run)
        body = {"name": name, "baseUrl": self.base_url, "lora": {"path": path}, "step": step,
                "tags": dict(self.tags, run=run), "autoRun": True}
        if self.base is not None:
            body["base"] = self.base
        if self.evalsets is not None:
            body["evalsets"] = self.evalsets
        try:
            created = self._request("POST", "/api/checkpoints", body)
        except _Failure as f:
            self._fail(f)
            return
        run_id = ((created or {}).get("run") or {}).get("id")
        if run_id is None:
            self._fail(_Failure("no-run", "%s registered %s without queueing a run" % (self.server, name)))
            return
        self.log.info("tunegate: %s registered (adapter %s), run %s queued", name, path, run_id)
        with self._lock:
            self._pending.append((run_id, name, step, run))
        if self.wait:
            deadline = time.monotonic() + self.wait_timeout
            self._poll_failures = 0
            # A server that stops answering while we wait must not hold training: after a few
            # failed reads (or wait_timeout) the run is followed in the background instead.
            while self._poll_once() and time.monotonic() < deadline and self._poll_failures < _WAIT_FAILURES:
                time.sleep(self.poll_interval)
        with self._lock:
            left = len(self._pending) > 0
        if left:
            self._start_poller()

    def _start_poller(self):
        with self._lock:
            if self._poller is not None:
                return
            self._poller = threading.Thread(target=self._poll_loop, name="tunegate-poller", daemon=True)
            self._poller.start()

    def _poll_loop(self):
        while True:
            try:
                self._poll_once()
            except Exception as e:  # a thread's exception would only be printed; log it once instead
                self._fail(_Failure("unexpected", "following runs failed: %r" % (e,)))
            with self._lock:
                # Decided under the lock, so a run added meanwhile is never left unfollowed.
                if not self._pending:
                    self._poller = None
                    return
            time.sleep(self.poll_interval)

    def _poll_once(self):
        """Reads every pending run once; a finished one gives its metrics and, if asked, its gate. True while runs remain."""
        with self._lock:
            pending = list(self._pending)
        for run_id, name, step, run_name in pending:
            try:
                run = self._request("GET", "/api/runs/%d" % run_id)
            except _Failure as f:
                self._poll_failures += 1
                self._fail(f)
                continue
            self._poll_failures = 0
            status = run.get("status")
            if status not in _FINISHED:
                continue
            with self._lock:
                # The background thread and a waiting save may both have read it: one handles it.
                if (run_id, name, step, run_name) not in self._pending:
                    continue
                self._pending.remove((run_id, name, step, run_name))
            if status != "completed":
                self._fail(_Failure("run-" + status, "run %s of %s ended %s: %s" % (run_id, name, status, run.get("error") or "see GET %s/api/runs/%s" % (self.server, run_id))))
                continue
            self._record(run.get("metrics") or {}, step)
            if self.stop_on_forgetting:
                self._check_forgetting(run_id, name, step, run_name)
        with self._lock:
            return len(self._pending) > 0

    def _record(self, metrics, step):
        values = {self.prefix + m: metrics[m] for m in HEADLINE_METRICS if isinstance(metrics.get(m), (int, float))}
        with self._lock:
            if self._latest_step is None or step >= self._latest_step:
                self._latest_step = step
                self._metrics = values

    def _check_forgetting(self, run_id, name, step, run):
        try:
            gate = self._request("GET", "/api/gate?run=%d" % run_id)
        except _Failure as f:
            self._fail(f)
            return
        fell = [m for m in gate.get("metrics") or [] if m.get("metric") in FORGETTING_METRICS and m.get("verdict") == "regression"]
        if not fell:
            return
        against = (fell[0].get("against") or gate.get("baseline") or {}).get("checkpoint", "the base")
        what = ", ".join("%s %s → %s (p=%s)" % (m["metric"], _fmt(m.get("base")), _fmt(m.get("head")), _fmt(m.get("p"), "%.2g")) for m in fell)
        reason = ("tunegate: the forgetting alarm fired for %s (step %d, run %d): %s against %s. Stopping training; "
                  "the step to keep: GET %s/api/advise?tag=%s or `tunegate advise --tag %s`"
                  % (name, step, run_id, what, against, self.server, urllib.parse.quote("run=" + run, safe="="), "run=" + run))
        with self._lock:
            if self._stop_reason is None:
                self._stop_reason = reason

    def _apply_stop(self, control):
        with self._lock:
            reason = self._stop_reason
        if reason is not None and control is not None:
            control.should_training_stop = True
            if not self._stopped:
                self._stopped = True
                self.log.warning(reason)
        return control

    def _add_metrics(self, logs):
        if logs is None:
            return
        with self._lock:
            logs.update(self._metrics)

    # -- HTTP --------------------------------------------------------------------------------

    def _request(self, method, path, body=None):
        url = self.server + path
        headers = {"accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["content-type"] = "application/json"
        token = os.environ.get(self.token_env)
        if token:
            headers["authorization"] = "Bearer " + token
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return json.loads(r.read().decode("utf-8") or "null")
        except urllib.error.HTTPError as e:
            try:
                detail = json.loads(e.read().decode("utf-8")).get("error") or ""
            except Exception:
                detail = ""
            hint = ""
            if e.code == 401:
                hint = " (set %s to the server's token)" % self.token_env
            raise _Failure("http-%d" % e.code, "%s %s: HTTP %d%s%s" % (method, url, e.code, ": " + str(detail) if detail else "", hint))
        except (socket.timeout, TimeoutError) as e:
            raise _Failure("timeout", "%s %s: no answer within %ss (%s)" % (method, url, self.timeout, e))
        except urllib.error.URLError as e:
            if isinstance(e.reason, (socket.timeout, TimeoutError)):
                raise _Failure("timeout", "%s %s: no answer within %ss" % (method, url, self.timeout))
            raise _Failure("unreachable", "%s %s: %s is not reachable (%s)" % (method, url, self.server, e.reason))
        except (OSError, ValueError) as e:
            raise _Failure("unreachable", "%s %s: %s" % (method, url, e))

    def _fail(self, failure):
        """Logs a failure the first time its kind occurs (later ones at debug level); training goes on."""
        with self._lock:
            first = failure.kind not in self._logged
            self._logged.add(failure.kind)
        if first:
            self.log.warning("tunegate: %s; training goes on (this kind of error is logged once)", failure)
        else:
            self.log.debug("tunegate: %s", failure)


def _fmt(x, digits="%.3f"):
    # JSON's 1 and 0 arrive as ints: accuracies read alike either way.
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return digits % x
    return "–"
