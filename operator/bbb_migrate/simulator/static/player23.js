/* Simulator copy of bbb-playback's contract (BBB >= 2.3, v5.1.3):
 * - #loader, then #player (.player-wrapper) 1 s after every file is in; errors in #error .error-code
 * - media clock: #webcams video (video.js Html5 tech, class vjs-tech); the wrapper .video-js has
 *   vjs-paused → vjs-playing vjs-has-started → vjs-paused vjs-ended; el.player is the player
 * - .vjs-play-control / .vjs-big-play-button start it; .vjs-control-bar always shown
 * - content follows a "bbbplaybacktimeupdate" CustomEvent on document, dispatched every
 *   1000/rps ms while playing (rps = f= or 10) and once on seeked
 * - #screenshare (.inactive outside deskshare.xml) and #presentation (.inactive during a share)
 * - the BBB logo in the presentation until the first time update; a slide's image requested only
 *   when the slide becomes current (the real player renders the current slide alone)
 * - the light chrome of bbb-playback's default theme: top bar with back, theme, search and swap
 *   buttons, title and date; thumbnail strip; chat with avatars
 * - the same grid and class names as bbb-playback (.player-wrapper: .top-bar, .media > #webcams,
 *   .application > #chat, .content > .top-content > #presentation/#screenshare, .bottom-content,
 *   .bottom-bar), so that the recorder's layout CSS is tested on the real player's structure */
"use strict";

(() => {
  const RECORD_ID = /^[a-z0-9]{40}-[0-9]{13}$/;
  const FEEDBACK_MS = 1000;
  const params = new URLSearchParams(window.location.search);
  const rps = parseFloat(params.get("f")) > 0 ? parseFloat(params.get("f")) : 10;
  const recordId = decodeURIComponent(
    window.location.pathname.replace(/^\/playback\/presentation\/2\.3\//, "").replace(/\/$/, ""));
  const root = document.getElementById("root");

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c);
    return node;
  }

  function showError(code, message) {
    root.replaceChildren(el("div", { id: "error", class: "error-wrapper" },
      el("div", { class: "error-code" }, String(code)),
      el("div", { class: "error-message" }, message)));
  }

  function videoJs(id, controls) {
    const tech = el("video", { class: "vjs-tech", id: `${id}_html5_api`, preload: "auto",
                               playsinline: "" });
    const wrapper = el("div", { class: "video-js vjs-paused", id }, tech,
                       el("div", { class: "vjs-loading-spinner" }));
    let playControl = null;
    if (controls) {
      playControl = el("button", { class: "vjs-play-control vjs-control vjs-button vjs-paused",
                                   type: "button", title: "Play" }, "▶");
      const big = el("button", { class: "vjs-big-play-button", type: "button", title: "Play" }, "▶");
      const time = el("span", { class: "vjs-current-time" }, "00:00:00");
      wrapper.append(big, el("div", { class: "vjs-control-bar" }, playControl,
                                el("div", { class: "vjs-progress" }), time));
      const toggle = () => (tech.paused ? tech.play().catch(() => {}) : tech.pause());
      playControl.addEventListener("click", toggle);
      big.addEventListener("click", toggle);
      tech.addEventListener("timeupdate", () => {
        time.textContent = BBBSim.formatTime(tech.currentTime);
      });
    }
    const set = (add, remove) => {
      wrapper.classList.add(...add); wrapper.classList.remove(...remove);
      if (playControl) {
        playControl.classList.toggle("vjs-playing", !tech.paused);
        playControl.classList.toggle("vjs-paused", tech.paused);
      }
    };
    tech.addEventListener("play", () => set(["vjs-playing", "vjs-has-started"],
                                            ["vjs-paused", "vjs-ended"]));
    tech.addEventListener("pause", () => set(["vjs-paused"], ["vjs-playing"]));
    tech.addEventListener("ended", () => set(["vjs-paused", "vjs-ended"], ["vjs-playing"]));
    tech.addEventListener("waiting", () => set(["vjs-waiting"], []));
    tech.addEventListener("playing", () => set([], ["vjs-waiting"]));
    tech.addEventListener("canplay", () => set([], ["vjs-waiting"]));
    wrapper.player = {
      play: () => tech.play(), pause: () => tech.pause(), paused: () => tech.paused,
      ended: () => tech.ended, el: () => wrapper, tech: () => tech,
      currentTime: (v) => { if (v !== undefined) tech.currentTime = v; return tech.currentTime; },
      duration: () => tech.duration,
    };
    return { wrapper, tech };
  }

  function build(data) {
    const webcams = videoJs("vjs_video_3", true);
    webcams.tech.src = data.media;
    const share = data.deskshareMedia ? videoJs("vjs_video_3", false) : null;
    if (share) { share.tech.src = data.deskshareMedia; share.tech.muted = true; }
    const presentationInner = el("div", { class: "presentation logo" });
    const presentation = el("div", { id: "presentation", class: "presentation-wrapper" },
                            presentationInner);
    const screenshare = el("div", { id: "screenshare", class: "screenshare-wrapper inactive" },
                           share ? share.wrapper : "");
    const messages = data.chat.map((m) => el("div", { class: "message inactive" },
      el("span", { class: "avatar" }, (m.name || "?").slice(0, 1).toUpperCase()),
      el("b", {}, m.name + ": "), m.message));
    const date = new Date(data.start).toISOString().slice(0, 10);
    // the thumbnail strip: one per slide visit, bbb-playback's slide-N → thumbnails/thumb-N
    const slides = Array.from(new DOMParser().parseFromString(data.shapes, "image/svg+xml")
      .querySelectorAll("image.slide")).map((img) => ({
        in: parseFloat(img.getAttribute("in")), out: parseFloat(img.getAttribute("out")),
        href: img.getAttribute("xlink:href") || img.getAttribute("href") || "",
      })).filter((s) => s.href.includes("slide-"));
    const thumbs = slides.map((s) => el("img", { class: "thumbnail", alt: "",
      src: `${data.base}/${s.href.replace("slide-", "thumbnails/thumb-")}` }));
    const button = (label) => el("button", { class: "top-bar-button", type: "button" }, label);
    // bbb-playback's grid (src/components/player): top bar, media (webcams), application
    // (chat), content (presentation and screen share above the thumbnails), bottom bar
    const player = el("div", { id: "player", class: "player-wrapper" },
      el("div", { class: "top-bar" }, button("‹"),
         el("span", { class: "title" }, data.name), el("span", { class: "date" }, date),
         el("span", { class: "spacer" }), button("◐"), button("⌕"), button("⇄")),
      el("div", { class: "media" },
        el("div", { id: "webcams", class: "webcams-wrapper" }, webcams.wrapper)),
      el("div", { class: "application" },
        el("div", { class: "application-control" }, "Chat"),
        el("div", { id: "chat", class: "chat-wrapper" }, ...messages)),
      el("div", { class: "content" },
        el("div", { class: "fullscreen-button" }, el("button", { type: "button" }, "⛶")),
        el("div", { class: "top-content" }, presentation, screenshare),
        el("div", { class: "bottom-content" }, ...thumbs)),
      el("div", { class: "bottom-bar" }));
    root.replaceChildren(player);
    const content = new BBBSim.Content(presentationInner, data, true,
                                       { fill: "rgb(223, 39, 33)", radius: () => 8 });

    let first = true;
    document.addEventListener("bbbplaybacktimeupdate", (event) => {
      const t = event.detail.time;
      if (first) { presentationInner.classList.remove("logo"); first = false; }
      const sharing = content.update(t);
      presentation.classList.toggle("inactive", sharing);
      screenshare.classList.toggle("inactive", !sharing);
      BBBSim.follow(share && share.tech, webcams.tech, t);
      data.chat.forEach((m, i) => messages[i].classList.toggle("inactive", m.t > t));
      slides.forEach((sl, i) => thumbs[i].classList.toggle("active", sl.in <= t && t < sl.out));
    });
    const dispatch = () => document.dispatchEvent(new CustomEvent("bbbplaybacktimeupdate",
      { detail: { time: webcams.tech.currentTime } }));
    let timer = null;
    webcams.tech.addEventListener("play", () => {
      if (timer === null) timer = setInterval(dispatch, 1000 / rps);
    });
    const stop = () => { if (timer !== null) { clearInterval(timer); timer = null; } };
    webcams.tech.addEventListener("pause", stop);
    webcams.tech.addEventListener("ended", () => { stop(); dispatch(); });
    webcams.tech.addEventListener("seeked", dispatch);
  }

  async function main() {
    if (!RECORD_ID.test(recordId)) { showError(400, "Bad request"); return; }
    let data;
    try {
      data = await BBBSim.load(recordId);
    } catch (error) {
      showError(error.status === 404 ? 404 : 500, String(error.message || error));
      return;
    }
    if (!data.media) { showError(404, "Media not found"); return; }
    setTimeout(() => build(data), FEEDBACK_MS);
  }
  main();
})();
