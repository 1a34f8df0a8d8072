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
    if (input) { input.classList.remove("invalid"); forgetLocal(input); }
  });

  // --- Narratives: keep unsaved text in the browser until the server has it ------------
  function localKey(el) { return el.getAttribute("data-local"); }
  function forgetLocal(el) { if (localKey(el)) try { localStorage.removeItem(localKey(el)); } catch (e) { /* private mode */ } }
  function counter(el) {
    var c = document.querySelector('[data-counter-for="' + el.id + '"]');
    if (c) c.textContent = el.value.length + "/" + el.getAttribute("data-max") + " ký tự";
  }
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el.matches && el.matches("textarea[data-local]")) {
      try { localStorage.setItem(localKey(el), el.value); } catch (e) { /* full or private */ }
      counter(el);
    }
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
      } else if (kept !== null) { forgetLocal(el); }
    });
  }

  // --- Autosave states, exact per cell; retry with backoff when a save fails -------------
  // A cell is pending from its first changed keystroke until the server has answered the
  // save of its current value. The page says "Đã lưu" only when nothing is pending.
  var inflight = [], failed = [], retryTimer = null, retryDelay = 0, lastSavedAt = "";
  function savedValue(el) { return el.hasAttribute("data-saved") ? el.getAttribute("data-saved") : el.defaultValue; }
  function unchanged(el) { return el.value.trim() === savedValue(el).trim(); }
  function remove(list, el) { var i = list.indexOf(el); if (i >= 0) list.splice(i, 1); }
  function refreshPageStatus() {
    if (failed.length) pageStatus("Chưa lưu được " + failed.length + " ô, đang thử lại…", "failed");
    else if (inflight.length) pageStatus("Đang lưu " + inflight.length + " ô…", "saving");
    else if (lastSavedAt) pageStatus("Đã lưu lúc " + lastSavedAt, "saved");
  }
  function setMessage(el, html) {
    var msg = document.getElementById("msg-" + el.id);
    if (msg && !msg.querySelector(".conflict")) msg.innerHTML = html;
  }
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (!(el.matches && el.matches("[data-key]"))) return;
    setMessage(el, unchanged(el) ? "" : '<span class="pending">Chưa lưu…</span>');
  });
  // An unchanged value (retyped, or a 0 over a 0) sends nothing and leaves no pending state.
  document.addEventListener("htmx:confirm", function (event) {
    var el = event.detail.elt;
    if (el.matches && el.matches("[data-key]") && unchanged(el) && failed.indexOf(el) < 0) {
      event.preventDefault();
      setMessage(el, "");
    }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var el = event.detail.elt;
    if (!(el.matches && el.matches("[data-key]"))) return;
    el._sending = el.value;
    if (inflight.indexOf(el) < 0) inflight.push(el);
    refreshPageStatus();
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var el = event.detail.elt, xhr = event.detail.xhr;
    if (!(el.matches && el.matches("[data-key]"))) return;
    remove(inflight, el);
    var status = xhr ? xhr.status : 0;
    if (status === 0 || status >= 500) { markFailed(el, xhr); return; }
    remove(failed, el);
    if (!failed.length) retryDelay = 0;
    var invalid = status === 422 || status === 409;
    el.classList.toggle("invalid", invalid);
    el.setAttribute("aria-invalid", invalid ? "true" : "false");
    if (status === 200) {
      el.setAttribute("data-saved", el._sending);
      forgetLocal(el);
      lastSavedAt = xhr.getResponseHeader("X-Saved-At") || lastSavedAt;
      if (!unchanged(el)) setMessage(el, '<span class="pending">Chưa lưu…</span>');
      refreshPageStatus();
    } else if (status === 409) {
      pageStatus("Có ô bị sửa đồng thời — chọn giá trị cần giữ", "error");
    } else if (status === 422) {
      pageStatus("Có ô chưa hợp lệ — chưa lưu", "error");
    }
  });
  function markFailed(el, xhr) {
    if (failed.indexOf(el) < 0) failed.push(el);
    setMessage(el, '<span class="error">Chưa lưu được — đang thử lại</span>');
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
  window.addEventListener("online", function () { if (failed.length) retry(); });
  window.addEventListener("beforeunload", function (event) {
    if (failed.length || inflight.length) { event.preventDefault(); event.returnValue = ""; }
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
  document.addEventListener("paste", function (event) {
    var el = event.target;
    if (!(el.matches && el.matches("table input.num-input")) || !window.htmx) return;
    var text = (event.clipboardData || window.clipboardData).getData("text");
    if (text.indexOf("\t") < 0 && text.replace(/\r?\n$/, "").indexOf("\n") < 0) return;  // one value: normal paste
    event.preventDefault();
    var main = el.closest("[data-paste-url]");
    pageStatus("Đang dán và lưu…", "saving");
    // source: an element inside #page, so the request inherits its hx-headers (the CSRF
    // token); without it htmx starts from <body> and the server refuses the paste with 400.
    // Not the input itself: its hx-params would drop "start" and "text".
    htmx.ajax("POST", main.getAttribute("data-paste-url"), {
      source: main, target: "#paste-status", swap: "outerHTML",
      values: { start: el.getAttribute("data-key"), text: text }
    });
  });

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
  }

  document.addEventListener("DOMContentLoaded", function () { restoreLocal(document); fitSectionMenu(); openAtFirstComment(); });
})();
