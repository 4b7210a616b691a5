"""One browser tab of a served Streamlit app, at the websocket level (``bench/classroom.py``'s learners).

The protocol, as Streamlit's own frontend speaks it (read from ``streamlit/web/server/starlette/
starlette_websocket.py``, ``runtime/app_session.py`` and the frontend bundle):

- ``GET /_stcore/health`` sets the ``_streamlit_xsrf`` cookie. The websocket ``/_stcore/stream`` is opened
  with ``Sec-WebSocket-Protocol: streamlit, <that cookie's value>`` (the server selects the first entry;
  the second is the XSRF token, the third an old session id to reconnect to). An upload is an HTTP PUT
  with the same cookie and an ``X-Xsrftoken`` header.
- Nothing runs until the tab sends ``BackMsg.rerun_script`` (a ``ClientState``): the query string, the
  widget states, and either ``page_name`` (the URL path, ``logistic`` for ``/logistic``: the first
  run) or ``page_script_hash`` (every later run, and a page switch). The tab never reports cached
  message hashes, so the server always sends whole messages (no ``ref_hash``).
- The server answers with ``ForwardMsg``s: ``new_session`` (a run starts; ``metadata.run.fragment_ids``
  says whether it is a fragment's run), ``delta``s (``new_element`` / ``add_block`` at
  ``metadata.delta_path``), and ``script_finished``. Elements a finished run did not send again are
  gone (the frontend's stale-element cleanup; for a fragment run, only that fragment's).
- ``auto_rerun`` (interval, fragment id) starts a timer: every interval the tab asks for that
  fragment's rerun (``rerun_script`` with ``fragment_id`` and ``is_auto_rerun``), as long as no full
  run has started since (a full run's ``new_session`` clears every timer; the run sends them again).
- Every rerun carries the values of all widgets on the page, as the frontend's widget manager does.
- A form's submit button is a trigger like a button's; the frontend sends the values typed into the form's
  widgets only with it (:meth:`Tab.submit`).
"""

from __future__ import annotations

import asyncio
import http.client
import itertools
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import FileUploaderState, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

TEXT_KINDS = ("markdown", "text", "alert", "heading", "code", "exception", "progress")
BUTTON_KINDS = ("button", "download_button")
XSRF_COOKIE = "_streamlit_xsrf"
FULL_DONE = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR)
FRAGMENT_DONE = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY


@dataclass
class Node:
    """One element or block on the page."""

    kind: str  # the Element oneof ("button", "metric", ...) or "block:<type>"
    proto: Any  # the Element's (or Block's) own message
    run_id: str  # the run that sent it last
    fragment_id: str
    script_hash: str  # the script that drew it (the entry script's elements survive a page switch)

    @property
    def label(self) -> str:
        return getattr(self.proto, "label", "")

    @property
    def widget_id(self) -> str:
        if self.kind.startswith("block:") and self.kind != "block:tab_container":
            return ""
        return getattr(self.proto, "id", "")


def _text_of(node: Node) -> str:
    p = node.proto
    if node.kind == "metric":
        return f"{p.label}: {p.body}"
    if node.kind == "exception":
        return f"{p.type}: {p.message}"
    if node.kind == "code":
        return p.code_text
    if node.kind == "progress":
        return p.text
    return getattr(p, "body", "")


def _default_state(node: Node) -> WidgetState | None:
    """The value the frontend holds for a widget it has not been told to change: the server's or the default."""
    p, kind, state = node.proto, node.kind, WidgetState(id=node.widget_id)
    if kind == "number_input":
        if not p.set_value and not p.HasField("default"):
            return None  # value=None: the frontend holds no number until one is typed
        value = p.value if p.set_value else p.default
        if p.data_type == p.INT:
            state.int_value = int(value)
        else:
            state.double_value = value
    elif kind == "slider":
        state.double_array_value.data.extend(p.value if p.set_value else p.default)
    elif kind in ("selectbox", "radio"):
        if p.set_value:
            state.string_value = p.raw_value
        elif 0 <= p.default < len(p.options):
            state.string_value = p.options[p.default]
        else:
            return None
    elif kind == "checkbox":
        state.bool_value = p.value if p.set_value else p.default
    elif kind in ("text_input", "text_area"):
        state.string_value = p.value if p.set_value else p.default
    elif kind == "button_group":
        chosen = list(p.raw_values) if p.set_value else [p.options[i].content for i in p.default]
        state.string_array_value.data.extend(chosen)
    elif kind == "multiselect":
        chosen = list(p.raw_values) if p.set_value else [p.options[i] for i in p.default]
        state.string_array_value.data.extend(chosen)
    else:  # buttons (triggers), data editors, uploaders, tabs: only what this tab set itself
        return None
    return state


def encode(node: Node, value: Any) -> WidgetState:
    """A widget's new value, as the frontend sends it (by the widget's kind)."""
    p, state = node.proto, WidgetState(id=node.widget_id)
    if node.kind == "number_input":
        if p.data_type == p.INT:
            state.int_value = int(value)
        else:
            state.double_value = float(value)
    elif node.kind == "slider":
        state.double_array_value.data.extend(
            [float(v) for v in (value if isinstance(value, list | tuple) else [value])]
        )
    elif node.kind in ("selectbox", "radio", "text_input", "text_area"):
        state.string_value = str(value)
    elif node.kind == "checkbox":
        state.bool_value = bool(value)
    elif node.kind in ("button_group", "multiselect"):
        state.string_array_value.data.extend([str(v) for v in (value if isinstance(value, list | tuple) else [value])])
    else:
        raise ValueError(f"cannot set a {node.kind} ({node.label!r})")
    return state


class Tab:
    """One open tab: its own session, its page model, and the fragment timers a browser would run."""

    _ids = itertools.count()

    def __init__(self, base_url: str, timeout: float = 180.0) -> None:
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.nodes: dict[tuple[int, ...], Node] = {}
        self.values: dict[str, WidgetState] = {}  # the frontend's widget store: what a rerun sends (no triggers)
        self.errors: list[str] = []  # exceptions the app showed (each once), protocol problems
        self.query = ""
        self.path = ""
        self.page_hash = ""
        self.main_hash = ""
        self.pages: dict[str, str] = {}  # url path ("" for the default page) -> page script hash
        self.session_id = ""
        self.run_id = ""
        self.run_fragments: list[str] = []
        self.started = 0  # full runs started
        self.finished_upto = 0  # the `started` count at the last full run that finished
        self.fragment_runs = 0
        self.fragment_seconds: list[float] = []  # each fragment run, its new_session to its script_finished
        self.fragment_waits: list[float] = []  # each timer's rerun request, sent until a run that began after it ended
        self.on_finished: Callable[[Tab, bool], None] | None = None  # called after each run (True: a fragment's)
        self._fragment_began = 0.0
        self._fragment_asks: list[float] = []
        self.timers: dict[str, tuple[float, asyncio.Task]] = {}
        self._cookie = ""
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._changed = asyncio.Condition()
        self._replies: dict[str, asyncio.Future] = {}
        self._seen_errors: set[tuple] = set()
        self.closed = False

    # --- connection ----------------------------------------------------------------------------

    async def open(self, path: str, query: str) -> float:
        """Connect and run the page at ``path`` with ``query`` (as typing the address); seconds to first paint."""
        t0 = time.perf_counter()
        self._cookie = await asyncio.to_thread(self._xsrf_cookie)
        host = urlsplit(self.base).netloc
        protocols = ["streamlit"] + ([self._cookie] if self._cookie else [])
        headers = {"Origin": self.base} | ({"Cookie": f"{XSRF_COOKIE}={self._cookie}"} if self._cookie else {})
        self._ws = await websockets.connect(
            f"ws://{host}/_stcore/stream", subprotocols=protocols, additional_headers=headers, max_size=None
        )
        self._reader = asyncio.create_task(self._read())
        self.path, self.query = path.strip("/"), query
        await self._full_run(page_name=self.path)
        return time.perf_counter() - t0

    def _xsrf_cookie(self) -> str:
        with urllib.request.urlopen(f"{self.base}/_stcore/health", timeout=30) as reply:
            for header in reply.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                if name.strip() == XSRF_COOKIE:
                    return rest.split(";", 1)[0]
        return ""

    async def close(self) -> None:
        for _, task in self.timers.values():
            task.cancel()
        self.timers.clear()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()

    # --- what the page shows -------------------------------------------------------------------

    def widgets(self, kinds: tuple[str, ...] | None = None) -> list[Node]:
        return [n for n in self.nodes.values() if n.widget_id and (kinds is None or n.kind in kinds)]

    def find(self, label: str, kinds: tuple[str, ...] | None = None) -> Node | None:
        """The widget whose label is ``label`` (exactly, else the first that starts with it)."""
        found = self.widgets(kinds)
        return next((n for n in found if n.label == label), None) or next(
            (n for n in found if n.label.startswith(label)), None
        )

    def by_key(self, key: str) -> Node | None:
        """The widget made with ``key=key`` (Streamlit ends a keyed widget's id with ``-<key>``)."""
        return next((n for n in self.widgets() if n.widget_id.endswith(f"-{key}")), None)

    def texts(self) -> list[str]:
        return [_text_of(n) for _, n in sorted(self.nodes.items()) if n.kind in (*TEXT_KINDS, "metric")]

    def alerts(self) -> list[str]:
        return [n.proto.body for n in self.nodes.values() if n.kind == "alert"]

    def metrics(self) -> dict[str, str]:
        return {n.proto.label: n.proto.body for n in self.nodes.values() if n.kind == "metric"}

    @property
    def busy(self) -> bool:
        """A fragment polls on a timer (a job's progress panel is on the page)."""
        return bool(self.timers)

    # --- actions -------------------------------------------------------------------------------

    async def set(self, label: str, value: Any, kinds: tuple[str, ...] | None = None) -> float:
        """Move the widget labelled ``label`` (or made with ``key=label``) to ``value``; seconds until the rerun
        finished."""
        node = self.by_key(label) or self._need(label, kinds)
        self.values[node.widget_id] = encode(node, value)
        return await self._full_run()

    async def press(self, label: str) -> float:
        """Click the button labelled ``label`` (or made with ``key=label``); seconds until the rerun finished."""
        node = self.by_key(label) or self._need(label, BUTTON_KINDS)
        if getattr(node.proto, "disabled", False):
            raise LookupError(f"the button {label!r} is disabled")
        return await self._full_run(trigger=WidgetState(id=node.widget_id, trigger_value=True))

    async def submit(self, button: str, values: dict[str, Any] | None = None) -> float:
        """Type ``values`` into a form's widgets, then press its submit button; seconds until the rerun finished.

        ``button`` and the keys of ``values`` are widget keys (``key=``) or, failing that, labels. The values go
        up with the submit trigger, as the frontend sends a form's pending values only on submission.
        """
        node = self.by_key(button) or self._need(button, BUTTON_KINDS)
        if node.kind != "button" or not node.proto.is_form_submitter:
            raise LookupError(f"{button!r} on /{self.path} is not a form's submit button")
        if getattr(node.proto, "disabled", False):
            raise LookupError(f"the button {button!r} is disabled")
        for name, value in (values or {}).items():
            widget = self.by_key(name) or self._need(name, None)
            if getattr(widget.proto, "form_id", "") != node.proto.form_id:
                raise LookupError(f"{name!r} is not in the form of {button!r} on /{self.path}")
            self.values[widget.widget_id] = encode(widget, value)
        return await self._full_run(trigger=WidgetState(id=node.widget_id, trigger_value=True))

    async def select_tab(self, label: str) -> float:
        """Open the tab labelled ``label`` of a stateful ``st.tabs`` (its value is the tab's label)."""
        for path, node in self.nodes.items():
            if node.kind == "block:tab_container":
                labels = [n.proto.label for p, n in self.nodes.items() if n.kind == "block:tab" and p[:-1] == path]
                if label in labels:
                    self.values[node.widget_id] = WidgetState(id=node.widget_id, string_value=label)
                    return await self._full_run()
        raise LookupError(f"no tab {label!r} on /{self.path}")

    async def switch(self, path: str, query: str = "lang=en") -> float:
        """Go to another page from the sidebar (only the entry script's widgets go along); seconds to its end."""
        target = self.pages.get(path.strip("/"))
        if target is None:
            raise LookupError(f"no page at /{path} (pages: {sorted(self.pages)})")
        self.query, self.path = query, path.strip("/")
        return await self._full_run(page_hash=target, main_only=True)

    async def upload(self, label: str, name: str, data: bytes, mime: str = "text/csv") -> float:
        """Put a file into the uploader labelled ``label`` (URLs asked over the websocket, an HTTP PUT, a rerun)."""
        node = self._need(label, ("file_uploader",))
        t0 = time.perf_counter()
        request_id = uuid.uuid4().hex
        reply = self._replies[request_id] = asyncio.get_running_loop().create_future()
        msg = BackMsg()
        msg.file_urls_request.request_id = request_id
        msg.file_urls_request.file_names.append(name)
        msg.file_urls_request.session_id = self.session_id
        await self._ws.send(msg.SerializeToString())
        urls = (await asyncio.wait_for(reply, self.timeout)).file_urls[0]
        await asyncio.to_thread(self._put, urls.upload_url, name, data, mime)
        info = UploadedFileInfo(name=name, size=len(data), file_id=urls.file_id, file_urls=urls)
        self.values[node.widget_id] = WidgetState(
            id=node.widget_id, file_uploader_state_value=FileUploaderState(uploaded_file_info=[info])
        )
        await self._full_run()
        return time.perf_counter() - t0

    def _put(self, url: str, name: str, data: bytes, mime: str) -> None:
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
                f"Content-Type: {mime}\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        if self._cookie:
            headers |= {"Cookie": f"{XSRF_COOKIE}={self._cookie}", "X-Xsrftoken": self._cookie}
        conn = http.client.HTTPConnection(urlsplit(self.base).netloc, timeout=self.timeout)
        try:
            conn.request("PUT", url if url.startswith("/") else urlsplit(url).path, body=body, headers=headers)
            reply = conn.getresponse()
            if reply.status >= 300:
                raise RuntimeError(f"upload refused: HTTP {reply.status} {reply.read()[:200]!r}")
        finally:
            conn.close()

    async def wait_for(self, check: Callable[[], bool], timeout: float | None = None) -> bool:
        """Wait (checking after every finished run, fragment runs too) until ``check()``; False on timeout."""
        try:
            async with self._changed:
                await asyncio.wait_for(self._changed.wait_for(check), timeout or self.timeout)
            return True
        except TimeoutError:
            return False

    def _need(self, label: str, kinds: tuple[str, ...] | None) -> Node:
        node = self.find(label, kinds)
        if node is None:
            raise LookupError(f"no widget {label!r} on /{self.path} (has: {[n.label for n in self.widgets()]})")
        return node

    # --- sending -------------------------------------------------------------------------------

    def _states(self, main_only: bool = False) -> list[WidgetState]:
        out = {}
        for node in self.widgets():
            if main_only and node.script_hash != self.main_hash:
                continue
            if node.widget_id in self.values:
                out[node.widget_id] = self.values[node.widget_id]
        return list(out.values())

    async def _send_rerun(self, *, page_name="", page_hash=None, fragment="", trigger=None, main_only=False):
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_name = page_name
        cs.page_script_hash = "" if page_name else (page_hash or self.page_hash)
        cs.fragment_id = fragment
        cs.is_auto_rerun = bool(fragment)
        states = self._states(main_only)
        if trigger is not None:
            states = [s for s in states if s.id != trigger.id] + [trigger]
        cs.widget_states.widgets.extend(states)
        info = cs.context_info
        info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-US"
        info.url, info.color_scheme = f"{self.base}/{self.path}", "light"
        await self._ws.send(msg.SerializeToString())

    async def _full_run(self, **kwargs) -> float:
        """Send a rerun and wait until a full run that started after it finished; its seconds."""
        t0, before = time.perf_counter(), self.started
        await self._send_rerun(**kwargs)
        if not await self.wait_for(lambda: self.finished_upto > before or self.closed):
            raise TimeoutError(f"no run of /{self.path} finished within {self.timeout:.0f} s")
        if self.finished_upto <= before:
            raise ConnectionError(f"the connection closed while /{self.path} ran")
        return time.perf_counter() - t0

    async def _poll(self, fragment: str, interval: float) -> None:
        while not self.closed:
            await asyncio.sleep(interval)
            try:
                self._fragment_asks.append(time.perf_counter())
                await self._send_rerun(fragment=fragment)
            except websockets.ConnectionClosed:
                return

    # --- receiving -----------------------------------------------------------------------------

    async def _read(self) -> None:
        try:
            async for raw in self._ws:
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                kind = msg.WhichOneof("type")
                handler = getattr(self, f"_on_{kind}", None)
                if handler is not None:
                    handler(msg)
                if kind == "script_finished" and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    if self.on_finished is not None and msg.script_finished in (*FULL_DONE, FRAGMENT_DONE):
                        self.on_finished(self, msg.script_finished == FRAGMENT_DONE)
                    async with self._changed:  # an interrupted run shows nothing settled: no one is woken
                        self._changed.notify_all()
        except websockets.ConnectionClosed:
            pass
        except Exception as exc:  # a bug here must not leave the learner waiting forever
            self._error(("reader", repr(exc)), f"client: {exc!r}")
        finally:
            self.closed = True
            async with self._changed:
                self._changed.notify_all()

    def _error(self, key: tuple, text: str) -> None:
        if key not in self._seen_errors:
            self._seen_errors.add(key)
            self.errors.append(text)

    def _on_new_session(self, msg: ForwardMsg) -> None:
        ns, run = msg.new_session, msg.metadata.run
        if ns.initialize.session_id:
            self.session_id = ns.initialize.session_id
        self.run_id, self.run_fragments = run.script_run_id, list(run.fragment_ids)
        if self.run_fragments:
            self._fragment_began = time.perf_counter()
        else:
            self.started += 1
            self.page_hash, self.main_hash = ns.page_script_hash, ns.main_script_hash
            for _, task in self.timers.values():
                task.cancel()
            self.timers.clear()

    def _on_navigation(self, msg: ForwardMsg) -> None:
        self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
        if msg.navigation.page_script_hash:
            self.page_hash = msg.navigation.page_script_hash

    def _on_delta(self, msg: ForwardMsg) -> None:
        delta = msg.delta
        which = delta.WhichOneof("type")
        if which not in ("new_element", "add_block"):
            return
        part = getattr(delta, which)
        inner = part.WhichOneof("type")
        if inner is None:
            return
        kind = inner if which == "new_element" else f"block:{inner}"
        node = Node(kind, getattr(part, inner), self.run_id, delta.fragment_id, msg.metadata.active_script_hash)
        self.nodes[tuple(msg.metadata.delta_path)] = node
        if node.widget_id and (getattr(node.proto, "set_value", False) or node.widget_id not in self.values):
            state = _default_state(node)  # the server's value wins when it sets one; else the tab keeps its own
            if state is not None:
                self.values[node.widget_id] = state
        if kind == "exception":
            p = node.proto
            self._error(("exception", p.type, p.message), f"/{self.path}: {p.type}: {p.message}")

    def _on_script_finished(self, msg: ForwardMsg) -> None:
        status = msg.script_finished
        if status in FULL_DONE:
            self.nodes = {k: n for k, n in self.nodes.items() if n.run_id == self.run_id}
            self.finished_upto = self.started
            shown = {n.widget_id for n in self.nodes.values()}
            self.values = {k: v for k, v in self.values.items() if k in shown}  # the frontend forgets gone widgets
        elif status == FRAGMENT_DONE:
            now = time.perf_counter()
            self.fragment_seconds.append(now - self._fragment_began)
            served = [t for t in self._fragment_asks if t <= self._fragment_began]  # this run read what they asked
            self._fragment_asks = self._fragment_asks[len(served) :]
            self.fragment_waits.extend(now - t for t in served)
            gone = set(self.run_fragments)
            self.nodes = {k: n for k, n in self.nodes.items() if n.fragment_id not in gone or n.run_id == self.run_id}
            self.fragment_runs += 1

    def _on_auto_rerun(self, msg: ForwardMsg) -> None:
        fragment, interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
        if not fragment or (fragment in self.timers and self.timers[fragment][0] == interval):
            return
        if fragment in self.timers:
            self.timers.pop(fragment)[1].cancel()
        self.timers[fragment] = (interval, asyncio.create_task(self._poll(fragment, interval)))

    def _on_stop_auto_rerun(self, msg: ForwardMsg) -> None:
        for fragment in msg.stop_auto_rerun.fragment_ids:
            if fragment in self.timers:
                self.timers.pop(fragment)[1].cancel()

    def _on_page_info_changed(self, msg: ForwardMsg) -> None:
        self.query = msg.page_info_changed.query_string

    def _on_page_not_found(self, msg: ForwardMsg) -> None:
        self._error(("page_not_found", self.path), f"/{self.path}: page not found")

    def _on_session_event(self, msg: ForwardMsg) -> None:
        event = msg.session_event
        if event.HasField("script_compilation_exception"):
            p = event.script_compilation_exception
            self._error(("compile", p.message), f"compile error: {p.type}: {p.message}")

    def _on_file_urls_response(self, msg: ForwardMsg) -> None:
        reply = self._replies.pop(msg.file_urls_response.response_id, None)
        if reply is not None and not reply.done():
            reply.set_result(msg.file_urls_response)
