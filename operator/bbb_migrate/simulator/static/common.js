/* Shared by the simulator's two player pages: loads a recording in BBB's published layout
 * (/presentation/<id>/...) and draws its content (slides, annotations, zoom, cursor, screen
 * share, chat) for a media time. Each page wires it to its own clock the way the real player
 * does (2.3: bbbplaybacktimeupdate ticks; 2.0: a frame loop with a 0.1 s threshold).
 * Nothing accumulates while playing: every update only toggles existing nodes. */
"use strict";

const BBBSim = (() => {
  const SVGNS = "http://www.w3.org/2000/svg";
  const XLINK = "http://www.w3.org/1999/xlink";

  async function fetchText(url, required) {
    const response = await fetch(url, { cache: "no-store" });
    if (!response.ok) {
      if (required) {
        const error = new Error(`${url}: HTTP ${response.status}`);
        error.status = response.status;
        throw error;
      }
      return null;
    }
    return response.text();
  }

  async function exists(url) {
    try {
      const response = await fetch(url, { method: "HEAD", cache: "no-store" });
      return response.ok;
    } catch (e) {
      return false;
    }
  }

  function xml(text) {
    return text ? new DOMParser().parseFromString(text, "application/xml") : null;
  }

  function events(doc, selector, read) {
    if (!doc) return [];
    return Array.from(doc.querySelectorAll(selector)).map(read)
      .sort((a, b) => a.t - b.t);
  }

  /* Last event with t <= time (events sorted by t), or null. */
  function lastAt(list, time) {
    let lo = 0, hi = list.length - 1, found = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].t <= time) { found = list[mid]; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  async function load(recordId) {
    const base = `/presentation/${recordId}`;
    const metadataText = await fetchText(`${base}/metadata.xml`, true);
    const [shapes, panzooms, cursor, deskshare, chat] = await Promise.all([
      fetchText(`${base}/shapes.svg`, true),
      fetchText(`${base}/panzooms.xml`, false),
      fetchText(`${base}/cursor.xml`, false),
      fetchText(`${base}/deskshare.xml`, false),
      fetchText(`${base}/slides_new.xml`, false),
    ]);
    let media = null;
    for (const candidate of ["video/webcams.mp4", "video/webcams.webm", "audio/audio.webm",
                             "audio/audio.ogg"]) {
      if (await exists(`${base}/${candidate}`)) { media = `${base}/${candidate}`; break; }
    }
    let deskshareMedia = null;
    for (const candidate of ["deskshare/deskshare.mp4", "deskshare/deskshare.webm"]) {
      if (deskshare && await exists(`${base}/${candidate}`)) {
        deskshareMedia = `${base}/${candidate}`; break;
      }
    }
    const metadata = xml(metadataText);
    const text = (sel) => (metadata.querySelector(sel) || {}).textContent || "";
    return {
      recordId, base, media, deskshareMedia,
      audioOnly: media !== null && media.includes("/audio/"),
      name: text("meeting[name]") ? metadata.querySelector("meeting").getAttribute("name")
        : text("meta > meetingName"),
      start: parseInt(text("start_time") || "0", 10),
      duration: parseInt(text("playback > duration") || "0", 10) / 1000,
      shapes,
      panzooms: events(xml(panzooms), "event", (e) => ({
        t: parseFloat(e.getAttribute("timestamp")),
        box: (e.querySelector("viewBox") || {}).textContent.trim(),
      })),
      cursor: events(xml(cursor), "event", (e) => {
        const [x, y] = (e.querySelector("cursor") || {}).textContent.trim().split(/\s+/)
          .map(parseFloat);
        return { t: parseFloat(e.getAttribute("timestamp")), x, y };
      }),
      shares: events(xml(deskshare), "event", (e) => ({
        t: parseFloat(e.getAttribute("start_timestamp")),
        end: parseFloat(e.getAttribute("stop_timestamp")),
      })),
      chat: events(xml(chat), "chattimeline", (e) => ({
        t: parseFloat(e.getAttribute("in")),
        name: e.getAttribute("name") || "",
        message: e.getAttribute("message") || "",
      })),
    };
  }

  /* The presentation content (inlined shapes.svg), drawn for a media time. Nothing is shown
   * before the first update (the players show their logo until then). With `lazy` (bbb-playback)
   * a slide's image is requested only when the slide first becomes current, as bbb-playback
   * renders only the current slide; without it (the 2.0 player) every slide loads at once.
   * `cursor`: the pointer's fill and radius in viewBox units (bbb-playback: a circle of
   * r .5rem = 8 units in --red rgb(223,39,33); the 2.0 player's dot is about max(w, h) / 120). */
  class Content {
    constructor(container, data, lazy = false,
                cursor = { fill: "red", radius: (bw, bh) => Math.max(bw, bh) / 120 }) {
      this.cursor = cursor;
      this.data = data;
      const doc = new DOMParser().parseFromString(data.shapes, "image/svg+xml");
      const svg = document.importNode(doc.documentElement, true);
      svg.removeAttribute("style");
      svg.setAttribute("width", "100%");
      svg.setAttribute("height", "100%");
      svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
      container.appendChild(svg);
      this.svg = svg;
      this.images = Array.from(svg.querySelectorAll("image.slide")).map((img) => {
        let href = img.getAttributeNS(XLINK, "href") || img.getAttribute("href") || "";
        if (!/^(https?:|\/)/.test(href)) href = `${data.base}/${href}`;
        if (lazy) img.removeAttributeNS(XLINK, "href"); else img.setAttributeNS(XLINK, "href", href);
        img.style.visibility = "hidden";
        return {
          el: img, id: img.id, href, loaded: !lazy,
          in: parseFloat(img.getAttribute("in")), out: parseFloat(img.getAttribute("out")),
          width: parseFloat(img.getAttribute("width")), height: parseFloat(img.getAttribute("height")),
        };
      });
      this.canvases = Array.from(svg.querySelectorAll("g.canvas")).map((g) => {
        g.setAttribute("display", "none");
        return { el: g, image: g.getAttribute("image") };
      });
      // Successive drafts with the same "shape" key are versions of one stroke.
      const groups = new Map();
      for (const g of svg.querySelectorAll("g.shape")) {
        const key = g.getAttribute("shape") || g.id;
        const draft = {
          el: g, t: parseFloat(g.getAttribute("timestamp") || "0"),
          undo: parseFloat(g.getAttribute("undo") || "-1"),
        };
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key).push(draft);
      }
      this.groups = Array.from(groups.values()).map((list) => list.sort((a, b) => a.t - b.t));
      this.cursorDot = document.createElementNS(SVGNS, "circle");
      this.cursorDot.setAttribute("id", "cursor");
      this.cursorDot.setAttribute("fill", cursor.fill);
      this.cursorDot.style.visibility = "hidden";
      svg.appendChild(this.cursorDot);
      this.current = null;
      this.lastBox = null;
    }

    /* Draw the content for media time t; returns true while a screen share is active. */
    update(t) {
      // Between or after the slides' intervals (at the very end: t = out of the last one) the
      // players keep the slide they show (2.0: getImageAtTime undefined changes nothing).
      const current = this.images.find((image) => image.in <= t && t < image.out)
        || (this.current && t >= this.current.out ? this.current : null);
      for (const image of this.images) {
        const on = image === current;
        if (on && !image.loaded) { image.el.setAttributeNS(XLINK, "href", image.href); image.loaded = true; }
        image.el.style.visibility = on ? "visible" : "hidden";
      }
      this.current = current;
      for (const canvas of this.canvases) {
        canvas.el.setAttribute("display", current && canvas.image === current.id ? "inherit" : "none");
      }
      for (const drafts of this.groups) {
        let shown = null;
        for (const d of drafts) {
          if (d.t <= t && (d.undo < 0 || t < d.undo)) shown = d;
        }
        for (const d of drafts) d.el.style.visibility = d === shown ? "visible" : "hidden";
      }
      const zoom = lastAt(this.data.panzooms, t);
      let box = zoom ? zoom.box : null;
      if (!box && current) box = `0 0 ${current.width} ${current.height}`;
      if (box && box !== this.lastBox) { this.svg.setAttribute("viewBox", box); this.lastBox = box; }
      const pointer = lastAt(this.data.cursor, t);
      if (pointer && pointer.x >= 0 && pointer.y >= 0 && box) {
        const [bx, by, bw, bh] = box.split(/\s+/).map(parseFloat);
        this.cursorDot.setAttribute("cx", bx + pointer.x * bw);
        this.cursorDot.setAttribute("cy", by + pointer.y * bh);
        this.cursorDot.setAttribute("r", this.cursor.radius(bw, bh));
        this.cursorDot.style.visibility = "visible";
      } else {
        this.cursorDot.style.visibility = "hidden";
      }
      return this.data.shares.some((s) => s.t <= t && t < s.end);
    }
  }

  /* Keep a secondary video (screen share) on the primary clock, shown or not, as both real
   * players do (bbb-playback's synchronizer, the 2.0 player's setMediaSync): when a share
   * starts, its frame is already the right one. */
  function follow(secondary, primary, t) {
    if (!secondary || secondary.readyState < 1) return;
    if (primary.paused || primary.ended) {
      if (!secondary.paused) secondary.pause();
      if (Math.abs(secondary.currentTime - t) > 0.1) secondary.currentTime = t;
      return;
    }
    if (Math.abs(secondary.currentTime - t) > 0.3) secondary.currentTime = t;
    if (secondary.paused && !secondary.ended) secondary.play().catch(() => {});
  }

  function formatTime(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const pad = (n) => String(n).padStart(2, "0");
    return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
  }

  return { load, Content, follow, formatTime, lastAt };
})();
