// Tổng hợp — small behaviours that CSP forbids inline. No framework; every page works without this file.
(function () {
  "use strict";

  function pageStatus(text, cls) {
    var el = document.getElementById("save-status");
    if (el) { el.textContent = text; el.className = "save-status " + (cls || ""); }
  }

  // --- Copy buttons (reminder text) ---------------------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    source.select();
    var done = function () { button.textContent = "Đã sao chép"; };
    if (navigator.clipboard) { navigator.clipboard.writeText(source.value).then(done, function () { document.execCommand("copy"); done(); }); }
    else { document.execCommand("copy"); done(); }
  });

  // --- Suggestion: put a group's text into the reviewer's box, which then autosaves ------
  // Without JavaScript the form posts and the server appends it instead (asking first when
  // a line is already there). A group already in the text (marked by the server, inserted
  // here, or found in the box) is inserted again only after a confirm.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insert-into]");
    if (!button) return;
    var box = document.getElementById(button.getAttribute("data-insert-into"));
    var text = button.form && button.form.elements.text;
    if (!box || !text) return;
    event.preventDefault();
    var present = text.value.split("\n").filter(function (line) { return line.trim() && box.value.indexOf(line) !== -1; });
    if ((button.hasAttribute("data-inserted") || present.length) &&
        !window.confirm("Ý này đã có trong nội dung tổng hợp. Vẫn chèn lại?")) return;
    box.value = box.value.replace(/\s+$/, "") + (box.value.trim() ? "\n" : "") + text.value;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    if (window.htmx) htmx.trigger(box, "change");
    button.setAttribute("data-inserted", "1");
    button.textContent = "Đã chèn";
    box.focus();
  });

  // --- Conflict: take the server's value into the field --------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-use-value]");
    if (!button) return;
    var input = document.getElementById(button.getAttribute("data-for"));
    var version = document.getElementById("ver-" + button.getAttribute("data-for"));
    if (input) { input.value = button.getAttribute("data-use-value"); input.setAttribute("data-saved", input.value); }
    if (version) version.value = button.getAttribute("data-version");
    var msg = document.getElementById("msg-" + button.getAttribute("data-for"));
    if (msg) msg.textContent = "Đã dùng giá trị trên máy chủ";
    if (input) { input.classList.remove("invalid"); forgetLocal(input); settled(input); }
  });
  // "Giữ giá trị của tôi" saves from the conflict message's button, not from the field. The
  // answer replaces the message and the button with it, so htmx tells the cell instead: the
  // button is the request's own element.
  document.addEventListener("htmx:afterRequest", function (event) {
    var config = event.detail.requestConfig, button = (config && config.elt) || event.detail.elt, xhr = event.detail.xhr;
    if (!(button.closest && button.closest(".conflict")) || !xhr || xhr.status !== 200) return;
    var input = document.getElementById((event.detail.target && event.detail.target.id || "").replace(/^msg-/, ""));
    if (input && input.matches("[data-key]")) {
      lastSavedAt = xhr.getResponseHeader("X-Saved-At") || lastSavedAt;
      input.setAttribute("data-saved", input.value); forgetLocal(input); settled(input);
    }
  });

  // --- Texts outside a report (the reviewer's consolidated texts): kept in the browser ----
  function localKey(el) { return el.getAttribute("data-local"); }
  function counter(el) {
    var c = document.querySelector('[data-counter-for="' + el.id + '"]');
    if (c) c.textContent = el.value.length + "/" + el.getAttribute("data-max") + " ký tự";
  }
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el.matches && el.matches("textarea[data-local]")) {
      try { localStorage.setItem(localKey(el), el.value); } catch (e) { /* full or private */ }
    }
    if (el.matches && el.matches("textarea[data-max]")) counter(el);
  });
  function restoreLocal(root) {
    (root || document).querySelectorAll("textarea[data-local]").forEach(function (el) {
      var kept = null;
      try { kept = localStorage.getItem(localKey(el)); } catch (e) { return; }
      if (kept !== null && kept !== el.value) {
        el.value = kept;
        counter(el);
        var msg = document.getElementById("msg-" + el.id);
        if (msg) msg.innerHTML = '<span class="pending">Khôi phục nội dung chưa lưu từ máy này — đang lưu…</span>';
        if (window.htmx) htmx.trigger(el, "change");
      } else if (kept !== null) { try { localStorage.removeItem(localKey(el)); } catch (e) { /* private mode */ } }
    });
  }

  // --- Drafts: every value of a report not yet acknowledged stays on this device ----------
  // One entry per (user, submission) in localStorage: {key: {v: typed text, ver: the version
  // the officer typed it against}}. Written on each keystroke, removed when the server has the
  // value, replayed when the report is next opened (the version makes a changed server value
  // a conflict, never an overwrite), and removed for the user at logout (offices share PCs).
  var draftKept = true;
  function draftName() {
    var host = document.querySelector("[data-draft]");
    return host ? host.getAttribute("data-draft") : null;
  }
  function readDraft() {
    var name = draftName();
    if (!name) return {};
    try { return JSON.parse(localStorage.getItem(name) || "{}") || {}; } catch (e) { return {}; }
  }
  function writeDraft(draft) {
    var name = draftName();
    if (!name) return;
    try {
      if (Object.keys(draft).length) localStorage.setItem(name, JSON.stringify(draft)); else localStorage.removeItem(name);
      draftKept = true;
    } catch (e) { draftKept = false; }
  }
  function versionOf(el) { var v = document.getElementById("ver-" + el.id); return v ? v.value : ""; }
  function keepLocal(el) {
    var draft = readDraft();
    draft[el.getAttribute("data-key")] = { v: el.value, ver: versionOf(el) };
    writeDraft(draft);
  }
  function forgetLocal(el, value) {
    var draft = readDraft(), key = el.getAttribute("data-key"), entry = draft[key];
    if (entry && (value === undefined || entry.v === value)) { delete draft[key]; writeDraft(draft); }
  }
  function replayDraft() {
    var draft = readDraft(), keys = Object.keys(draft), stranded = [];
    if (!keys.length) return;
    keys.forEach(function (key) {
      var el = null;
      document.querySelectorAll("[data-key]").forEach(function (c) { if (!el && c.getAttribute("data-key") === key) el = c; });
      if (!el) { stranded.push(key); return; }
      if (draft[key].v.trim() === savedValue(el).trim()) { delete draft[key]; return; }
      el.value = draft[key].v;
      var version = document.getElementById("ver-" + el.id);
      if (version) version.value = draft[key].ver;
      dirty(el);
      setMessage(el, '<span class="pending">Giá trị nhập trên máy này, chưa gửi — đang gửi…</span>');
      if (navigator.onLine === false) { if (failed.indexOf(el) < 0) failed.push(el); }
      else if (window.htmx) htmx.trigger(el, "change");
    });
    writeDraft(draft);
    showStranded(draft, stranded);
    refreshPageStatus();
  }
  // Values kept for a report that no longer takes them here (submitted, locked): shown, never dropped unasked.
  function showStranded(draft, keys) {
    var host = document.querySelector("[data-draft]");
    if (!keys.length || !host) return;
    var box = document.createElement("div");
    box.className = "flash flash-warning stranded";
    box.setAttribute("role", "alert");
    var p = document.createElement("p");
    p.textContent = keys.length + " ô nhập trên máy này chưa gửi được vì báo cáo không còn sửa được ở đây "
      + "(đã nộp hoặc đã khóa). Ghi lại các giá trị dưới đây rồi đề nghị cấp trên trả lại báo cáo để nhập:";
    var list = document.createElement("ul");
    keys.forEach(function (key) {
      var li = document.createElement("li");
      li.textContent = "Mục " + key.split("/")[0] + " (" + key + "): " + draft[key].v;
      list.appendChild(li);
    });
    var drop = document.createElement("button");
    drop.type = "button";
    drop.textContent = "Đã ghi lại — xóa khỏi máy này";
    drop.addEventListener("click", function () {
      var d = readDraft();
      keys.forEach(function (k) { delete d[k]; });
      writeDraft(d);
      box.remove();
    });
    box.appendChild(p); box.appendChild(list); box.appendChild(drop);
    host.insertBefore(box, host.firstChild);
  }
  // Logging out forgets this user's drafts on this device.
  document.addEventListener("submit", function (event) {
    var form = event.target, user = form.getAttribute && form.getAttribute("data-logout-user");
    if (!user) return;
    try {
      var prefix = "tonghop:draft:" + user + ":";
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var name = localStorage.key(i);
        if (name && name.indexOf(prefix) === 0) localStorage.removeItem(name);
      }
    } catch (e) { /* private mode: nothing was kept */ }
  });

  // --- Autosave states, exact per cell; retry with backoff when a save fails -------------
  // A cell is dirty from its first changed keystroke until the server has acknowledged its
  // current value. The page says "Đã lưu" only when no cell is dirty.
  var dirtyCells = [], inflight = [], failed = [], refused = [], blocked = [], blockedReason = "";
  var retryTimer = null, retryDelay = 0, lastSavedAt = "", initialStatus = null;
  function savedValue(el) { return el.hasAttribute("data-saved") ? el.getAttribute("data-saved") : el.defaultValue; }
  function unchanged(el) { return el.value.trim() === savedValue(el).trim(); }
  function remove(list, el) { var i = list.indexOf(el); if (i >= 0) list.splice(i, 1); }
  function dirty(el) { if (dirtyCells.indexOf(el) < 0) dirtyCells.push(el); }
  function settled(el) {
    [dirtyCells, failed, refused, blocked].forEach(function (list) { remove(list, el); });
    refreshPageStatus();
  }
  function cells(n) { return n + " ô"; }
  function refreshPageStatus() {
    dirtyCells = dirtyCells.filter(function (el) { return document.body.contains(el); });
    var unsent = dirtyCells.length;
    if (blocked.length) {
      var el = document.getElementById("save-status");
      if (el) {
        el.className = "save-status failed";
        el.textContent = blockedReason + " ";
        var link = document.createElement("a");
        link.href = blockedReason.indexOf("đăng nhập") >= 0
          ? "/login?next=" + encodeURIComponent(location.pathname) : location.pathname;
        link.textContent = (blockedReason.indexOf("đăng nhập") >= 0 ? "Đăng nhập lại"
          : "Tải lại trang (đăng nhập lại nếu được hỏi)") + " để gửi " + cells(blocked.length);
        el.appendChild(link);
      }
    } else if (failed.length && navigator.onLine === false) pageStatus(cells(unsent) + " chưa gửi được — sẽ gửi khi có mạng", "failed");
    else if (failed.length) pageStatus("Chưa lưu được " + cells(failed.length) + ", đang thử lại…", "failed");
    else if (inflight.length) pageStatus("Đang lưu " + cells(inflight.length) + "…", "saving");
    else if (refused.length) pageStatus(cells(refused.length) + " chưa hợp lệ — chưa lưu", "error");
    else if (unsent) pageStatus(cells(unsent) + " chưa lưu…", "saving");
    else if (lastSavedAt) pageStatus("Đã lưu lúc " + lastSavedAt, "saved");
    else if (initialStatus !== null) pageStatus(initialStatus, "");
  }
  function setMessage(el, html) {
    var msg = document.getElementById("msg-" + el.id);
    if (msg && !msg.querySelector(".conflict")) msg.innerHTML = html;
  }
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (!(el.matches && el.matches("[data-key]"))) return;
    el._flushed = null;
    if (unchanged(el) && failed.indexOf(el) < 0 && inflight.indexOf(el) < 0) {
      clearRefusal(el);
      forgetLocal(el);
      settled(el);
      setMessage(el, "");
      return;
    }
    dirty(el);
    keepLocal(el);
    setMessage(el, '<span class="pending">Chưa lưu…</span>');
    refreshPageStatus();
  });
  function clearRefusal(el) {
    el.classList.remove("invalid");
    el.setAttribute("aria-invalid", "false");
  }
  // An unchanged value (retyped, or a 0 over a 0) sends nothing, and clears a refusal of the
  // value typed before it: the stored value stands.
  document.addEventListener("htmx:confirm", function (event) {
    var el = event.detail.elt;
    if (el.matches && el.matches("[data-key]") && unchanged(el) && failed.indexOf(el) < 0) {
      event.preventDefault();
      var msg = document.getElementById("msg-" + el.id);
      if (msg && msg.querySelector(".error")) msg.innerHTML = "";
      clearRefusal(el);
      setMessage(el, "");
      forgetLocal(el);
      settled(el);
    }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var el = event.detail.elt;
    if (!(el.matches && el.matches("[data-key]"))) return;
    el._sending = el.value;
    if (inflight.indexOf(el) < 0) inflight.push(el);
    dirty(el);
    refreshPageStatus();
  });
  // An expired login answers 401 with HX-Redirect: stay, keep the values, say what to do.
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var el = event.detail.elt, xhr = event.detail.xhr;
    if (el.matches && el.matches("[data-key]") && xhr && xhr.status === 401) event.preventDefault();
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var el = event.detail.elt, xhr = event.detail.xhr;
    if (!(el.matches && el.matches("[data-key]"))) return;
    remove(inflight, el);
    var status = xhr ? xhr.status : 0;
    if (status === 0 || status >= 500) { markFailed(el, xhr); return; }
    remove(failed, el);
    if (!failed.length) retryDelay = 0;
    if (status === 401 || status === 403 || status === 400) {
      blockedReason = status === 401 ? "Phiên đăng nhập đã hết, các giá trị vẫn giữ trên máy này."
        : status === 403 ? "Báo cáo không còn sửa được ở đây (đã nộp hoặc đã khóa); các giá trị vẫn giữ trên máy này."
        : "Phiên làm việc đã hết hạn, các giá trị vẫn giữ trên máy này.";
      if (blocked.indexOf(el) < 0) blocked.push(el);
      setMessage(el, '<span class="error">Chưa gửi được</span>');
      refreshPageStatus();
      return;
    }
    remove(blocked, el);
    var invalid = status === 422 || status === 409;
    el.classList.toggle("invalid", invalid);
    el.setAttribute("aria-invalid", invalid ? "true" : "false");
    if (status === 200) {
      el.setAttribute("data-saved", el._sending);
      forgetLocal(el, el._sending);
      remove(refused, el);
      lastSavedAt = xhr.getResponseHeader("X-Saved-At") || lastSavedAt;
      if (unchanged(el)) remove(dirtyCells, el);
      else setMessage(el, '<span class="pending">Chưa lưu…</span>');
      refreshPageStatus();
    } else if (status === 409) {
      pageStatus("Có ô bị sửa đồng thời — chọn giá trị cần giữ", "error");
    } else if (status === 422) {
      if (refused.indexOf(el) < 0) refused.push(el);
      refreshPageStatus();
    }
  });
  function markFailed(el, xhr) {
    if (failed.indexOf(el) < 0) failed.push(el);
    dirty(el);
    setMessage(el, navigator.onLine === false ? '<span class="error">Chưa gửi được — giữ trên máy này, sẽ gửi khi có mạng</span>'
      : '<span class="error">Chưa lưu được — đang thử lại</span>');
    // The server names its wait during maintenance (503 + Retry-After); else back off 2, 4, 8… 60 s.
    var after = xhr && parseInt(xhr.getResponseHeader("Retry-After") || "", 10);
    retryDelay = after > 0 ? after * 1000 : Math.min(retryDelay ? retryDelay * 2 : 2000, 60000);
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = setTimeout(retry, retryDelay);
    refreshPageStatus();
  }
  document.addEventListener("htmx:sendError", function (event) {
    var el = event.detail.elt;
    if (el.matches && el.matches("[data-key]") && inflight.indexOf(el) >= 0) { remove(inflight, el); markFailed(el, null); }
  });
  function retry() {
    retryTimer = null;
    if (navigator.onLine === false) { retryTimer = setTimeout(retry, 5000); return; }
    failed.slice().forEach(function (el) {
      if (document.body.contains(el) && window.htmx) htmx.trigger(el, "change"); else remove(failed, el);
    });
  }
  window.addEventListener("online", function () { if (failed.length) retry(); refreshPageStatus(); });
  window.addEventListener("offline", refreshPageStatus);

  // --- Warnings: the heading counts only those still unexplained -------------------------
  document.addEventListener("htmx:afterRequest", function (event) {
    var input = event.detail.elt, xhr = event.detail.xhr;
    if (!(input.matches && input.matches(".warnings input[name^='v._explain:']")) || !xhr || xhr.status !== 200) return;
    var heading = document.getElementById("warnings-heading");
    if (!heading) return;
    var inputs = document.querySelectorAll(".warnings input[name^='v._explain:']"), open = 0;
    inputs.forEach(function (i) { if (!i.value.trim()) open += 1; });
    heading.textContent = open ? "Cảnh báo — cần giải thích ngắn (" + open + ")" : "Cảnh báo — đã giải thích cả " + inputs.length;
  });

  // --- Leaving the page: send what is pending, with keepalive --------------------------
  // A value typed and left at once (Back, F5, another address, the tab closed) never had its
  // change event; htmx's own request would die with the page. Each pending value goes in a
  // keepalive request (the CSRF token and the version the officer saw); the draft above keeps
  // it if even that fails. While the page lives on (only hidden), the answer is applied.
  function csrfToken() {
    var holder = document.getElementById("page");
    try { return JSON.parse(holder.getAttribute("data-hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function flushPending() {
    var token = csrfToken();
    dirtyCells.forEach(function (el) {
      if (!document.body.contains(el) || unchanged(el) || el._flushed === el.value || blocked.indexOf(el) >= 0) return;
      var key = el.getAttribute("data-key"), value = el.value, url = el.getAttribute("data-hx-post");
      if (!url || !window.fetch) return;
      el._flushed = value;
      var body = new URLSearchParams();
      body.append("v." + key, value);
      body.append("ver." + key, versionOf(el));
      fetch(url, { method: "POST", body: body, keepalive: true, credentials: "same-origin",
                   headers: { "X-CSRFToken": token, "HX-Request": "true" } })
        .then(function (response) {
          if (response.status !== 200) { el._flushed = null; return; }
          return response.text().then(function (html) {
            var match = /name="ver\.[^"]*" value="(\d+)"/.exec(html);
            var version = document.getElementById("ver-" + el.id);
            if (match && version) version.value = match[1];
            el.setAttribute("data-saved", value);
            forgetLocal(el, value);
            lastSavedAt = response.headers.get("X-Saved-At") || lastSavedAt;
            if (el.value === value) { setMessage(el, '<span class="saved">Đã lưu lúc ' + lastSavedAt + "</span>"); settled(el); }
          });
        })
        .catch(function () { el._flushed = null; });
    });
  }
  window.addEventListener("pagehide", flushPending);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") flushPending(); });
  // Ask before leaving only when a value could be neither sent nor kept on this device.
  window.addEventListener("beforeunload", function (event) {
    var pending = dirtyCells.filter(function (el) { return !unchanged(el); });
    if (pending.length && !draftKept) { event.preventDefault(); event.returnValue = ""; }
  });

  // --- Tables: keyboard movement between cells -----------------------------------------
  function cellInputs(table) { return Array.prototype.slice.call(table.querySelectorAll("input.num-input")); }
  function move(input, dRow, dCol) {
    var td = input.closest("td"), tr = td.parentElement, table = tr.closest("table");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var r = rows.indexOf(tr), c = Array.prototype.indexOf.call(tr.cells, td);
    for (var i = r + dRow, j = c + dCol; i >= 0 && i < rows.length; i += dRow || 0, j += dCol) {
      var cell = rows[i].cells[j];
      if (!cell) { if (dCol) return false; continue; }
      var next = cell.querySelector("input.num-input");
      if (next) { next.focus(); next.select(); return true; }
      if (!dRow && !dCol) return false;
      if (dRow && !dCol) continue;
    }
    return false;
  }
  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (!(el.matches && el.matches("table input.num-input"))) return;
    var k = event.key;
    if (k === "Enter" || k === "ArrowDown") { event.preventDefault(); if (k === "Enter" && window.htmx) htmx.trigger(el, "change"); move(el, 1, 0); }
    else if (k === "ArrowUp") { event.preventDefault(); move(el, -1, 0); }
    else if (k === "ArrowRight" && el.selectionStart === el.value.length) { if (move(el, 0, 1)) event.preventDefault(); }
    else if (k === "ArrowLeft" && el.selectionStart === 0) { if (move(el, 0, -1)) event.preventDefault(); }
  });

  // --- Tables: paste a block copied from Excel ------------------------------------------
  // Into an input cell, or onto a row's total cell (3), (7), (11) the officer clicked — where
  // a copied row naturally starts; the server then checks the pasted totals, never stores them.
  var pasteAnchor = null;
  function totalCellKey(td) {
    var input = td.parentElement.querySelector("input.num-input[data-key]");
    var column = (td.id.match(/-(c\d+)$/) || [])[1];
    if (!input || !column) return null;
    var parts = input.getAttribute("data-key").split("/");
    return parts[0] + "/" + parts[1] + "/" + column;
  }
  document.addEventListener("click", function (event) {
    if (pasteAnchor) pasteAnchor.classList.remove("paste-anchor");
    var td = event.target.closest && event.target.closest("td.computed");
    pasteAnchor = td && td.closest("[data-paste-url]") && totalCellKey(td) ? td : null;
    if (pasteAnchor) pasteAnchor.classList.add("paste-anchor");
  });
  document.addEventListener("focusin", function (event) {
    if (pasteAnchor && event.target !== document.body) { pasteAnchor.classList.remove("paste-anchor"); pasteAnchor = null; }
  });
  document.addEventListener("paste", function (event) {
    var el = event.target, start = null, anchor = null;
    if (!window.htmx) return;
    var text = (event.clipboardData || window.clipboardData).getData("text");
    if (el.matches && el.matches("table input.num-input")) {
      if (text.indexOf("\t") < 0 && text.replace(/\r?\n$/, "").indexOf("\n") < 0) return;  // one value: normal paste
      start = el.getAttribute("data-key"); anchor = el;
    } else if (pasteAnchor && document.body.contains(pasteAnchor)) {
      start = totalCellKey(pasteAnchor); anchor = pasteAnchor;
    }
    if (!start) return;
    event.preventDefault();
    var main = anchor.closest("[data-paste-url]"), section = anchor.closest("section");
    var before = document.getElementById("paste-status");
    pageStatus("Đang dán và lưu…", "saving");
    // source: an element inside #page, so the request inherits its hx-headers (the CSRF
    // token); without it htmx starts from <body> and the server refuses the paste with 400.
    // Not the input itself: its hx-params would drop "start" and "text".
    htmx.ajax("POST", main.getAttribute("data-paste-url"), {
      source: main, target: "#paste-status", swap: "outerHTML", values: { start: start, text: text }
    }).then(function () { afterPaste(before, section); }, function () { afterPaste(before, section); });
  });
  // The officer's choice from a preview answers the same way.
  var choice = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt, preview = form.closest && form.closest(".paste-preview");
    if (preview) choice = { before: preview, section: preview.nextElementSibling };
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!choice || !(event.detail.elt.closest && event.detail.elt.matches("form"))) return;
    var c = choice; choice = null;
    afterPaste(c.before, c.section);
  });
  // The answer is shown just above the table's section, in view, and the page status says the same.
  function afterPaste(before, section) {
    var status = document.getElementById("paste-status");
    if (!status || status === before) { pageStatus("Chưa dán được: không gửi được lên máy chủ — thử lại", "failed"); return; }
    section = section && section.id ? document.getElementById(section.id) : null;
    if (section && section.parentNode) section.parentNode.insertBefore(status, section);
    var preview = !!status.querySelector(".paste-option");  // (its class settles a moment later)
    var first = status.querySelector("p");
    var said = first ? first.textContent.replace(/\s+/g, " ").trim() : "";
    if (preview) pageStatus("Chưa dán: chọn cách đặt vùng dán, ngay trên bảng", "error");
    else pageStatus(said.split(/(?<=\.)\s/)[0] || said, status.querySelector(".error") || /đánh dấu đỏ/.test(said) ? "error" : "saved");
    status.setAttribute("tabindex", "-1");
    status.scrollIntoView({ block: "start" });
    status.focus({ preventScroll: true });
  }

  // --- Rule flags beside cells, from the debounced checks refresh ------------------------
  function applyFlags() {
    var checks = document.getElementById("checks");
    if (!checks || !checks.getAttribute("data-flags")) return;
    var flags = {};
    try { flags = JSON.parse(checks.getAttribute("data-flags")); } catch (e) { return; }
    document.querySelectorAll(".entry-main .flag-error, .entry-main .flag-warning").forEach(function (el) {
      el.classList.remove("flag-error", "flag-warning");
    });
    Object.keys(flags).forEach(function (id) {
      var el = document.getElementById(id);
      if (!el) return;
      var holder = el.matches("td, .narrative") ? el : (el.closest("td") || el.closest(".narrative") || el);
      holder.classList.add("flag-" + flags[id]);
    });
  }
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "checks") applyFlags();
  });

  // --- The checks box's refresh keeps the explanations being written ----------------------
  // The box is replaced after each pause in saving; an explanation typed and not yet sent,
  // the one being typed in (with its caret) and a save's "Đã lưu" are carried into the new
  // box, so a refresh landing mid-sentence loses nothing and says nothing untrue.
  var refocus = null, unsent = [];
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var live = event.detail.target, fragment = event.detail.fragment;
    if (!live || live.id !== "checks" || !fragment) return;
    unsent = [];
    live.querySelectorAll("form.explain input[type=text]").forEach(function (field) {
      var fresh = fragment.querySelector("#" + CSS.escape(field.id));
      if (!fresh) return;
      // Typed and not yet sent: the new field gets no change event of its own for it.
      if (field.value !== fresh.getAttribute("value") && field.value !== field.defaultValue) unsent.push(field.id);
      if (field === document.activeElement || field.value !== field.defaultValue) fresh.setAttribute("value", field.value);
      var msg = document.getElementById("msg-" + field.id), freshMsg = fragment.querySelector("#msg-" + CSS.escape(field.id));
      if (msg && freshMsg && !freshMsg.textContent.trim()) { freshMsg.className = msg.className; freshMsg.innerHTML = msg.innerHTML; }
    });
    var active = document.activeElement;
    refocus = active && active.id && live.contains(active)
      ? { id: active.id, start: active.selectionStart, end: active.selectionEnd } : null;
  });
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "checks") return;
    var again = refocus && document.getElementById(refocus.id);
    if (again && document.activeElement !== again) {
      again.focus({ preventScroll: true });
      if (refocus.start != null && again.setSelectionRange) again.setSelectionRange(refocus.start, refocus.end);
    }
    refocus = null;
    unsent.forEach(function (id) {
      var field = document.getElementById(id);
      if (!field) return;
      // Sent when the officer leaves it, as the replaced field would have been.
      if (field === document.activeElement) field.addEventListener("blur", function () { htmx.trigger(field, "change"); }, { once: true });
      else htmx.trigger(field, "change");
    });
    unsent = [];
  });

  // --- Computed cells never go backwards ------------------------------------------------
  // Two cells saved in quick succession travel on two connections and their replies may
  // arrive in either order; each computed cell carries the submission's version it was
  // computed at (data-rev), and a reply older than what a cell shows leaves it alone.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var shown = event.detail.target, fragment = event.detail.fragment;
    var incoming = fragment && fragment.firstElementChild;
    if (!incoming || !shown || !shown.hasAttribute || !shown.hasAttribute("data-rev") || !incoming.hasAttribute("data-rev")) return;
    if (parseInt(incoming.getAttribute("data-rev"), 10) < parseInt(shown.getAttribute("data-rev"), 10)) event.detail.shouldSwap = false;
  });

  // --- Template editor: an autosave's answer never replaces a field being typed in --------
  // The answer to a plain save (X-Autosave) is the section's form (or, for the general fields
  // and the rules, the whole editor) as the server now sees it. When it has the same fields as
  // what is on screen, only what the officer does not type is
  // taken from it: problems, legends, hints, labels, option texts, the fields' invalid marks and
  // the draft's status; the fields keep their focus and every keystroke since the save left.
  // A save that changed the fields (another kind, a choice showing more) is swapped by htmx.
  // A field's change is never a button press. htmx sends the form's last focused button with
  // any request of the form; a change queued behind a save under way left after the officer
  // had tabbed onto the next button ("Xóa đoạn" after the figure lines) and removed the figure.
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt, trigger = event.detail.triggeringEvent, data = event.detail.formData;
    if (!trigger || trigger.type !== "change" || !form.matches || !form.matches("form") || !data) return;
    form.querySelectorAll("button[name], input[type=submit][name]").forEach(function (button) {
      if (data.getAll(button.name).indexOf(button.value) >= 0) data.delete(button.name);
    });
  });
  function formShape(root) {
    return Array.prototype.map.call(root.querySelectorAll("input, select, textarea, button"), function (c) {
      var fixed = c.tagName === "BUTTON" || /^(checkbox|radio|submit)$/.test(c.type) || (c.type === "hidden" && c.name !== "csrf_token");
      var options = c.tagName === "SELECT" ? Array.prototype.map.call(c.options, function (o) { return o.value; }).join(",") : "";
      return [c.tagName, c.type, c.id, c.name, fixed ? c.getAttribute("value") : "", options, c.disabled].join("|");
    }).join("\n");
  }
  function pairs(live, fresh, selector, copy) {
    var a = live.querySelectorAll(selector), b = fresh.querySelectorAll(selector);
    if (a.length === b.length) for (var i = 0; i < a.length; i++) copy(a[i], b[i]);
  }
  function copyAttributes(names) {
    return function (a, b) {
      names.forEach(function (n) { if (b.hasAttribute(n)) a.setAttribute(n, b.getAttribute(n)); else a.removeAttribute(n); });
    };
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    var live = event.detail.target, xhr = event.detail.xhr;
    if (!live || !live.querySelectorAll || !xhr || xhr.status !== 200 || xhr.getResponseHeader("X-Autosave") !== "1") return;
    var fresh = document.createElement("template");
    fresh.innerHTML = event.detail.serverResponse;
    var outside = fresh.content.querySelectorAll("[data-hx-swap-oob]");
    outside.forEach(function (el) { el.remove(); });
    if (formShape(fresh.content) !== formShape(live)) return;
    event.detail.shouldSwap = false;
    var inner = function (a, b) { a.innerHTML = b.innerHTML; };
    pairs(live, fresh.content, ".problems, legend, .hint, nav, #draft-status", inner);
    pairs(live, fresh.content, ".field, .item", copyAttributes(["class"]));
    pairs(live, fresh.content, "input, select, textarea", copyAttributes(["aria-invalid", "aria-describedby"]));
    pairs(live, fresh.content, "button", copyAttributes(["aria-label"]));
    pairs(live, fresh.content, "option", function (a, b) { a.textContent = b.textContent; });
    pairs(live, fresh.content, "label.inline-check", function (a, b) {
      if (a.lastChild && a.lastChild.nodeType === 3 && b.lastChild) a.lastChild.textContent = b.lastChild.textContent;
    });
    pairs(live, fresh.content, "form", copyAttributes(["class"]));
    if (live.matches("form")) live.classList.toggle("has-errors", !!fresh.content.querySelector(".problems .error"));
    outside.forEach(function (el) {
      var old = el.id && document.getElementById(el.id);
      el.removeAttribute("data-hx-swap-oob");
      if (old) old.replaceWith(el);
    });
  });

  // --- Directive follow-up: insert the grouped suggestion into the reviewer's text -------
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insert-from]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-insert-from"));
    var target = document.querySelector(button.getAttribute("data-insert-into"));
    if (!source || !target) return;
    var text = source.textContent.trim();
    target.value = target.value.trim() ? target.value.replace(/\s+$/, "") + "\n" + text : text;
    target.dispatchEvent(new Event("input", { bubbles: true }));
    target.dispatchEvent(new Event("change", { bubbles: true }));
    target.focus();
  });

  // --- Admin unit tree: the toggle opens and closes in place ---------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.toggle[data-children]");
    if (!button || !window.htmx) return;
    event.preventDefault();
    var slot = document.getElementById(button.getAttribute("aria-controls"));
    var open = button.getAttribute("aria-expanded") === "true";
    function mark(isOpen) {
      button.setAttribute("aria-expanded", isOpen ? "true" : "false");
      button.querySelector("[aria-hidden]").textContent = isOpen ? "▾" : "▸";
    }
    if (open) { slot.hidden = true; mark(false); }
    else if (slot.children.length) { slot.hidden = false; mark(true); }
    else htmx.ajax("GET", button.getAttribute("data-children"), { source: button, target: slot, swap: "innerHTML" })
      .then(function () { slot.hidden = false; mark(true); });
  });

  // --- Focus after htmx swaps: never dropped on <body> -----------------------------------
  // What htmx opens takes the focus (an edit form: its first field); on save or cancel the
  // focus returns to what opened it (a document's "Sửa" link), and a re-rendered control
  // the officer used (a sort link, "+ Thêm văn bản") keeps it under its new markup.
  // Kept per request: another request settling first (an autosave, a check) must neither
  // take nor clear what this one will give the focus back to.
  var focusBack = new WeakMap();
  function spokenText(el) {  // a control's words without its decorations (a sort arrow)
    var copy = el.cloneNode(true);
    copy.querySelectorAll("[aria-hidden]").forEach(function (n) { n.remove(); });
    return (copy.textContent || "").trim();
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.closest || elt.matches("[data-key]") || !event.detail.xhr) return;
    var form = elt.closest("form.doc-form");
    var docId = form && (form.getAttribute("action") || "").match(/\/(\d+)$/);
    var active = document.activeElement && document.activeElement !== document.body ? document.activeElement : elt;
    focusBack.set(event.detail.xhr, { docId: docId ? docId[1] : null, tag: active.tagName, text: spokenText(active),
                                      name: active.getAttribute("name"), id: active.id });
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target, wanted = event.detail.xhr && focusBack.get(event.detail.xhr);
    if (!wanted || (document.activeElement && document.activeElement !== document.body)) return;
    var root = target && document.body.contains(target) ? target : document;
    var next = null;
    var editing = root.querySelector && root.querySelector("form.doc-form[action$='/" + (wanted.docId || "x") + "']");
    var opened = root.querySelector && root.querySelector("form.doc-form input:not([type=hidden]), form.doc-form select");
    if (wanted.docId && !editing) next = root.querySelector("a[href*='edit=" + wanted.docId + "']");
    if (!next && wanted.id) next = document.getElementById(wanted.id);
    if (!next && /Sửa/.test(wanted.text) && opened) next = opened;
    if (!next) {
      root.querySelectorAll(wanted.tag).forEach(function (el) {
        if (!next && spokenText(el) === wanted.text && (!wanted.name || el.getAttribute("name") === wanted.name)) next = el;
      });
    }
    if (!next && target && document.body.contains(target)) { next = target; if (!next.hasAttribute("tabindex")) next.setAttribute("tabindex", "-1"); }
    if (next) next.focus();
  });

  // --- A returned report opens at the first section the reviewer commented on ------------
  function openAtFirstComment() {
    var banner = document.querySelector("[data-first-comment]");
    if (!banner || location.hash) return;
    var target = document.getElementById(banner.getAttribute("data-first-comment"));
    if (target) { target.scrollIntoView(); target.setAttribute("tabindex", "-1"); target.focus({ preventScroll: true }); }
  }
  // The section list is a menu on phones: closed there, open on wider screens.
  function fitSectionMenu() {
    var menu = document.getElementById("section-menu");
    if (menu && window.matchMedia) menu.open = !window.matchMedia("(max-width: 700px)").matches;
    if (menu) menu.classList.add("fitted");
  }

  // --- Dates typed dd/mm/yyyy, with a picker that keeps that format --------------------
  // The text box is what is sent; the browser's own calendar (an unnamed type=date input)
  // only helps choose, and its day is written back as dd/mm/yyyy whatever its language.
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function addDayPickers(root) {
    (root || document).querySelectorAll("input[data-day-input]").forEach(function (input) {
      if (input.dataset.picker) return;
      input.dataset.picker = "1";
      var picker = document.createElement("input");
      picker.type = "date";
      picker.tabIndex = -1;
      picker.className = "day-picker";
      picker.setAttribute("aria-hidden", "true");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "day-picker-button";
      button.textContent = "Lịch";
      button.setAttribute("aria-label", "Chọn ngày trên lịch cho ô " + (input.labels && input.labels[0] ? input.labels[0].textContent.trim() : "ngày"));
      button.addEventListener("click", function () {
        var m = /^(\d{1,2})[\/.-](\d{1,2})[\/.-](\d{4})$/.exec(input.value.trim());
        picker.value = m ? m[3] + "-" + pad(+m[2]) + "-" + pad(+m[1]) : "";
        if (picker.showPicker) { try { picker.showPicker(); return; } catch (e) { /* fall through */ } }
        picker.focus(); picker.click();
      });
      picker.addEventListener("change", function () {
        var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(picker.value);
        if (!m) return;
        input.value = m[3] + "/" + m[2] + "/" + m[1];
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
      input.insertAdjacentElement("afterend", button);
      button.insertAdjacentElement("afterend", picker);
    });
  }
  document.addEventListener("htmx:load", function (event) { addDayPickers(event.target); });

  // --- Unit pickers: a search box filters a long list of units ---------------------------
  function addUnitSearch(root) {
    (root || document).querySelectorAll("select[data-unit-picker]").forEach(function (select) {
      if (select.dataset.search || select.options.length < 12) return;
      select.dataset.search = "1";
      var box = document.createElement("input");
      box.type = "search";
      box.className = "unit-search";
      box.placeholder = "Tìm đơn vị…";
      box.setAttribute("aria-label", "Tìm trong danh sách " + (select.labels && select.labels[0] ? select.labels[0].textContent.trim() : "đơn vị"));
      var fold = function (text) { return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase(); };
      box.addEventListener("input", function () {
        var q = fold(box.value.trim());
        Array.prototype.forEach.call(select.options, function (option) {
          option.hidden = q !== "" && fold(option.textContent).indexOf(q) < 0 && !option.selected;
        });
      });
      select.insertAdjacentElement("beforebegin", box);
    });
  }
  document.addEventListener("htmx:load", function (event) { addUnitSearch(event.target); });

  document.addEventListener("DOMContentLoaded", function () {
    addDayPickers(document); addUnitSearch(document);
    var status = document.getElementById("save-status");
    initialStatus = status && !status.querySelector("a") ? status.textContent : null;
    restoreLocal(document); replayDraft(); fitSectionMenu(); openAtFirstComment(); });
})();
