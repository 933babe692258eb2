// The dashboard's style sheet and script, served from the binary as
// /static/app.css and /static/app.js (the pages' Content-Security-Policy
// allows no inline script).

#include "dashboard/assets.h"

namespace spirapi::dashboard {

const char kStyleSheet[] = R"css(
:root { --fg: #1d232a; --muted: #5c6670; --line: #d7dde3; --bg: #f6f8fa; --accent: #1f5fa8;
        --ok: #1a7f37; --warning: #9a6700; --critical: #cf222e; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, "DejaVu Sans", sans-serif; color: var(--fg);
       background: var(--bg); }
header { display: flex; align-items: baseline; gap: 24px; padding: 10px 24px; background: #fff;
         border-bottom: 1px solid var(--line); flex-wrap: wrap; }
header h1 { font-size: 17px; margin: 0; }
header h1 span { color: var(--muted); font-weight: normal; }
nav a { margin-right: 14px; color: var(--accent); text-decoration: none; }
nav a.active { font-weight: bold; color: var(--fg); border-bottom: 2px solid var(--accent); }
main { padding: 16px 24px 40px; max-width: 1280px; }
h2 { font-size: 16px; margin: 22px 0 8px; }
section.card { background: #fff; border: 1px solid var(--line); border-radius: 6px;
               padding: 12px 16px; margin-bottom: 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 10px 4px 0; border-bottom: 1px solid var(--line);
         vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font: 12px/1.4 "DejaVu Sans Mono", monospace; }
pre { white-space: pre-wrap; word-break: break-all; margin: 0; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 10px; }
.figure { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.figure b { display: block; font-size: 20px; }
.figure span { color: var(--muted); }
.sev { font-weight: bold; text-transform: uppercase; font-size: 12px; }
.sev-ok { color: var(--ok); } .sev-warning { color: var(--warning); }
.sev-critical { color: var(--critical); } .sev-info { color: var(--muted); }
.muted { color: var(--muted); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; }
.chart svg, .chart img { max-width: 100%; height: auto; }
#script-errors { display: none; background: #ffebe9; color: var(--critical); padding: 8px 24px; }
#script-errors.shown { display: block; }
)css";

// Refreshes <main> in place every data-refresh seconds (no reload flicker,
// scroll kept), and shows script errors on the page instead of hiding them
// in the console.
const char kScript[] = R"js(
"use strict";
(function () {
  function showError(text) {
    var box = document.getElementById("script-errors");
    if (!box) return;
    box.textContent = "dashboard script error: " + text;
    box.className = "shown";
  }
  window.addEventListener("error", function (e) { showError(e.message); });
  window.addEventListener("unhandledrejection", function (e) { showError(String(e.reason)); });

  function refresh() {
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("main");
        var current = document.querySelector("main");
        if (fresh && current) current.replaceWith(fresh);
        document.getElementById("updated").textContent = new Date().toLocaleTimeString();
      })
      .catch(function (err) {
        document.getElementById("updated").textContent = "not refreshed: " + err.message;
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var seconds = Number(document.body.getAttribute("data-refresh") || "0");
    if (seconds > 0) window.setInterval(refresh, seconds * 1000);
    document.documentElement.setAttribute("data-ready", "1");
  });
})();
)js";

}  // namespace spirapi::dashboard
