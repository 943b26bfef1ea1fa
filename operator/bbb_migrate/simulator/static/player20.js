/* Simulator copy of the legacy 2.0 player's contract (BBB v2.2.31):
 * - document.title "Loading" → "Recording Playback" when ready (the media and the share's
 *   video at HAVE_ENOUGH_DATA), "Error" on failure with #load-msg "Recording not found"
 * - media clock: #video (<video class="webcam"> in #video-area, or <audio id="video">)
 *   and window.Popcorn('#video') with currentTime()/play()/pause()
 * - .acorn-play-button (gains acorn-paused-button while playing) or a click on #video-area
 * - content: a frame loop acting, while playing or seeking, when the clock moved >= 0.1 s from
 *   the global `var lastFrameTime` (as lib/writing.js runPopcorn), time rounded with toFixed(1)
 * - #deskshare-video under #slide, visibility toggled by deskshare.xml; cursor; chat appended
 * - #slide shows the BBB logo (its background) until the frame loop first draws, which happens
 *   only while playing or seeking; every slide image is loaded with shapes.svg
 * - a seek after the media has played resumes playback at the next `canplay`, even when it was
 *   paused (playback.js setMediaListeners / setMediaSync, the global `var mediaSeeked`) */
"use strict";

// A global of the page, as in lib/writing.js (a recorder may rely on it being one).
var lastFrameTime = 0.0; // eslint-disable-line no-var
// Another one, of playback.js: set by a seek once the media has played, cleared by the resume.
var mediaSeeked = false; // eslint-disable-line no-var

(() => {
  const params = new URLSearchParams(window.location.search);
  const recordId = params.get("meetingId") || "";
  const loadMsg = document.getElementById("load-msg");

  function fail(message) {
    document.title = "Error";
    loadMsg.textContent = message;
  }

  window.Popcorn = (selector) => {
    const media = document.querySelector(selector);
    return {
      media,
      currentTime: (v) => { if (v !== undefined) media.currentTime = v; return media.currentTime; },
      play: () => media.play(), pause: () => media.pause(), paused: () => media.paused,
      duration: () => media.duration,
    };
  };

  function start(data) {
    document.getElementById("recording-title").textContent = data.name;
    const media = document.createElement(data.audioOnly ? "audio" : "video");
    media.id = "video";
    media.preload = "auto";
    if (!data.audioOnly) media.className = "webcam";
    media.src = data.media;
    if (data.audioOnly) {
      const area = document.createElement("div");
      area.id = "audio-area";
      area.append(media);
      document.getElementById("side-section").prepend(area);
    } else {
      document.getElementById("video-area").prepend(media);
    }
    const deskshare = document.getElementById("deskshare-video");
    if (data.deskshareMedia) deskshare.src = data.deskshareMedia;
    const slideArea = document.getElementById("slide");
    const content = new BBBSim.Content(slideArea, data);
    const chat = document.getElementById("chat");
    const button = document.querySelector(".acorn-play-button");
    const timer = document.querySelector(".acorn-timer");
    const toggle = () => (media.paused ? media.play().catch(() => {}) : media.pause());
    button.addEventListener("click", toggle);
    document.getElementById("video-area").addEventListener("click", toggle);
    media.addEventListener("play", () => button.classList.add("acorn-paused-button"));
    media.addEventListener("pause", () => button.classList.remove("acorn-paused-button"));
    media.addEventListener("ended", () => button.classList.remove("acorn-paused-button"));
    // playback.js: a seek pauses the media, and once it can play again it plays, whether it
    // was playing or paused before the seek (only a page never played stays paused)
    media.addEventListener("seeking", () => { if (media.played.length !== 0) mediaSeeked = true; });
    media.addEventListener("seeked", () => { if (!media.paused) media.pause(); });
    media.addEventListener("canplay", () => {
      if (mediaSeeked) { mediaSeeked = false; media.play().catch(() => {}); }
    });

    let shown = 0;
    const draw = (t) => {
      const sharing = content.update(t);
      deskshare.style.visibility = sharing ? "visible" : "hidden";
      slideArea.classList.toggle("no-background", sharing);
      BBBSim.follow(data.deskshareMedia ? deskshare : null, media, t);
      while (shown < data.chat.length && data.chat[shown].t <= t) {
        const line = document.createElement("div");
        const name = document.createElement("strong");
        name.textContent = data.chat[shown].name + ": ";
        line.append(name, data.chat[shown].message);
        chat.append(line);
        shown += 1;
      }
      timer.textContent = BBBSim.formatTime(t);
    };
    const frame = () => {
      const now = media.currentTime;
      if ((!media.paused || media.seeking) && Math.abs(now - lastFrameTime) >= 0.1) {
        lastFrameTime = now;
        draw(parseFloat(now.toFixed(1)));
      }
      requestAnimationFrame(frame);
    };
    const ready = () => {
      document.getElementById("loading").style.display = "none";
      document.title = "Recording Playback";
      requestAnimationFrame(frame);
    };
    // playback.js checkLoadedMedia / checkLoadedDeskshare: ready only once the media (and the
    // screen share's video) report HAVE_ENOUGH_DATA, polled every 250 ms; over a slow link
    // Chromium reports that only when a short file is all downloaded
    const enough = (m) => m.readyState === 4;
    const check = () => {
      if (enough(media) && (!data.deskshareMedia || enough(deskshare))) ready();
      else setTimeout(check, 250);
    };
    check();
  }

  async function main() {
    document.getElementById("playback-content").style.visibility = "hidden";
    let data;
    try {
      data = await BBBSim.load(recordId);
    } catch (error) {
      fail("Recording not found");
      return;
    }
    if (!data.media) { fail("Recording not found"); return; }
    document.getElementById("playback-content").style.visibility = "visible";
    start(data);
  }
  main();
})();
