// SideWays Tube video player.
//
// Enhances every `[data-player]` block rendered by templates/videos/_player.html: adaptive HLS with
// hls.js (served by the instance from static/vendor/, loaded only when needed), or the browser's own
// HLS where Media Source Extensions are missing (iPhone Safari). Custom controls replace the native
// ones once the script runs, so without JavaScript the page still shows a plain <video>.
// Translated texts come from data-* attributes of the block. Nothing here sets a cookie: the resume
// position lives in localStorage. Loaded as a module (deferred, strict). Public videos are also shared
// between their viewers (P2P, static/js/p2p.js), and part of their segments may come from peers' mirrors
// (static/js/mirrors.js).
import { Mirrors } from "./mirrors.js";
import { P2P } from "./p2p.js";
import { SegmentHashes } from "./segments.js";
import { formatTime, parseTime } from "./time.js";

const HLS_MIME = "application/vnd.apple.mpegurl";
const STATE_PUBLISHED = 1;
const STATE_FAILED = 7;
const POLL_INTERVAL_MS = 3000;
// Seconds of actual playback before a view is counted, as PeerTube's player does.
const VIEW_AFTER_SECONDS = 5;
const SAVE_POSITION_EVERY_SECONDS = 5;
const RESUME_KEY_PREFIX = "sideways:resume:";

/** The start-at time of the page URL: `?start=` (PeerTube's share links) or a media fragment `#t=`. */
function startFromUrl() {
  const query = new URLSearchParams(location.search).get("start");
  const fragment = new URLSearchParams(location.hash.slice(1)).get("t");
  return parseTime(query) ?? parseTime(fragment);
}

/** localStorage can throw (disabled storage, sandboxed iframes): resuming is a nicety, never an error. */
const resumeStore = {
  get(uuid) {
    try {
      return parseTime(localStorage.getItem(RESUME_KEY_PREFIX + uuid));
    } catch {
      return null;
    }
  },
  set(uuid, seconds) {
    try {
      if (seconds === null) localStorage.removeItem(RESUME_KEY_PREFIX + uuid);
      else localStorage.setItem(RESUME_KEY_PREFIX + uuid, String(Math.floor(seconds)));
    } catch {
      // Storage unavailable: nothing to remember.
    }
  },
};

let hlsScript = null;

/** Loads the vendored hls.js once, on first need. */
function loadHlsJs(url) {
  hlsScript ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = url;
    script.onload = () => resolve(window.Hls);
    script.onerror = () => reject(new Error("hls.js failed to load"));
    document.head.append(script);
  });
  return hlsScript;
}

class Player {
  constructor(root) {
    this.root = root;
    this.data = root.dataset;
    this.video = root.querySelector(".player-video");
    this.controls = root.querySelector(".player-controls");
    this.seek = root.querySelector(".player-seek");
    this.volume = root.querySelector(".player-volume");
    this.quality = root.querySelector(".player-quality");
    this.speed = root.querySelector(".player-speed");
    this.status = root.querySelector(".player-status");
    this.hls = null;
    const segments = new SegmentHashes(this.data.segmentHashes);
    this.p2p = new P2P(root, segments);
    this.mirrors = new Mirrors(root, segments);
    this.loading = false; // hls.js fetches fragments (only after the first play)
    this.played = 0; // seconds actually watched, for the view count
    this.lastTick = null;
    this.lastSaved = 0;
    this.viewSent = false;
    this.idleTimer = null;
    // Exposed so a person (or a browser test) can inspect the hls.js instance from the console.
    root.player = this;

    const state = Number(this.data.state);
    if (state === STATE_FAILED) {
      this.showStatus(this.data.msgFailed);
    } else if (this.data.hlsSrc) {
      this.start({ hls: this.data.hlsSrc, more: Boolean(this.data.progress) });
    } else if (state === STATE_PUBLISHED && this.data.mp4Src) {
      this.start({ mp4: this.data.mp4Src });
    } else {
      this.showProgress(this.data.progress || null);
      this.poll();
    }
  }

  /** Status text over the stage instead of the video (transcoding, failure). */
  showStatus(text, percent = null) {
    this.status.hidden = false;
    this.status.querySelector(".player-status-text").textContent = text;
    const bar = this.status.querySelector(".player-status-progress");
    bar.hidden = percent === null;
    if (percent !== null) bar.value = percent;
  }

  showProgress(progress) {
    if (progress === null) {
      this.showStatus(this.data.msgWaiting);
    } else {
      this.showStatus(this.data.msgTranscoding.replace("{percent}", progress), Number(progress));
    }
  }

  /**
   * The video's current state and media paths, from the API. Private videos are the exception: the API
   * only knows bearer tokens, not the site's session, so for them this very page is fetched again and
   * read back, the server having rendered it for the logged-in owner.
   */
  async fetchState() {
    // Our media by path: the API's absolute URLs name SIDEWAYS_URL, maybe not the host this page came from
    // (a remote video's media too: they reach the viewer through our proxy).
    const path = (url) => url && new URL(url, location.href).pathname;
    const response = await fetch(this.data.api, { headers: { Accept: "application/json" } });
    if (response.ok) {
      const body = await response.json();
      return {
        state: body.state?.id,
        progress: body.transcodingProgress ?? null,
        hls: path(body.streamingPlaylists?.[0]?.playlistUrl),
        rungs: body.streamingPlaylists?.[0]?.files?.length ?? 0,
        mp4: path(body.files?.[0]?.fileUrl),
      };
    }
    if (response.status !== 401 && response.status !== 403) throw new Error(`HTTP ${response.status}`);
    const page = await fetch(location.href, { headers: { Accept: "text/html" } });
    if (!page.ok) throw new Error(`HTTP ${page.status}`);
    const html = new DOMParser().parseFromString(await page.text(), "text/html");
    const data = html.querySelector(`[data-player][data-uuid="${this.data.uuid}"]`).dataset;
    return {
      state: Number(data.state),
      progress: data.progress || null,
      hls: data.hlsSrc,
      rungs: Number(data.rungs),
      mp4: data.mp4Src,
    };
  }

  /** Asks until the video is published (then plays it) or has failed. */
  async poll() {
    let current;
    try {
      current = await this.fetchState();
    } catch {
      setTimeout(() => this.poll(), POLL_INTERVAL_MS * 2);
      return;
    }
    if (current.state === STATE_FAILED) {
      this.showStatus(this.data.msgFailed);
    } else if (current.state === STATE_PUBLISHED && (current.hls || current.mp4)) {
      this.start(current.hls ? { hls: current.hls, more: current.progress !== null } : { mp4: current.mp4 });
    } else {
      this.showProgress(current.progress);
      setTimeout(() => this.poll(), POLL_INTERVAL_MS);
    }
  }

  /**
   * Shows the controls and plays `source.hls` (adaptive) or `source.mp4` (a single web video).
   * `source.more`: the ladder is published rung by rung and the transcode still runs.
   */
  async start(source) {
    this.status.hidden = true;
    this.video.removeAttribute("controls");
    this.controls.hidden = false;
    this.root.querySelector(".player-big-play").hidden = false;
    this.root.classList.add("is-ready");
    this.root.tabIndex = 0;
    this.bindControls();

    const startAt = startFromUrl() ?? resumeStore.get(this.data.uuid) ?? 0;
    const hasMse = "MediaSource" in window || "ManagedMediaSource" in window;
    try {
      const Hls = source.hls && hasMse ? await this.p2p.hlsClass(await loadHlsJs(this.data.hls)) : null;
      if (Hls && Hls.isSupported()) {
        this.attachHls(Hls, source.hls, startAt);
        if (source.more) setTimeout(() => this.followLadder(source.hls), POLL_INTERVAL_MS);
      } else if (source.mp4 || this.video.canPlayType(HLS_MIME)) {
        this.video.src = source.mp4 || source.hls;
        this.video.addEventListener("loadedmetadata", () => { this.video.currentTime = startAt; }, { once: true });
      } else {
        this.showStatus(this.data.msgError);
        return;
      }
    } catch {
      this.showStatus(this.data.msgError);
      return;
    }
    // Embed options, as PeerTube's: ?autoplay=1 (browsers only allow it muted, hence ?muted=1), ?loop=1.
    const options = new URLSearchParams(location.search);
    if (options.get("muted") === "1") this.video.muted = true;
    if (options.get("loop") === "1") this.video.loop = true;
    if (options.get("autoplay") === "1") this.play();
  }

  attachHls(Hls, src, startAt) {
    // Fragments load on the first play only: opening a page costs the playlists, not the video.
    const options = { autoStartLoad: false, startPosition: startAt, capLevelToPlayerSize: true };
    const hls = new Hls(this.p2p.enabled ? { ...options, p2p: this.p2p.config() } : options);
    this.hls = hls;
    if (this.mirrors.available) hls.config.fLoader = this.mirrors.loader(hls.config.fLoader || hls.config.loader, hls.config.loader);
    hls.on(Hls.Events.MANIFEST_PARSED, () => this.fillQualityMenu());
    hls.on(Hls.Events.LEVEL_SWITCHED, () => this.labelAutoQuality());
    hls.on(Hls.Events.ERROR, (_event, error) => {
      if (!error.fatal) return;
      if (error.type === Hls.ErrorTypes.NETWORK_ERROR) hls.startLoad();
      else if (error.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      else this.showStatus(this.data.msgError);
    });
    hls.loadSource(src);
    hls.attachMedia(this.video);
    const startLoading = () => { this.loading = true; hls.startLoad(); };
    // Play may have been pressed while hls.js was still arriving: its "play" event is already past.
    if (this.video.paused) this.video.addEventListener("play", startLoading, { once: true });
    else startLoading();
  }

  /** Until the transcode ends, reloads the master playlist whenever a new rung is published. */
  async followLadder(src) {
    let current = null;
    try {
      current = await this.fetchState();
    } catch {
      // Network hiccup: ask again later.
    }
    if (current && current.rungs > this.hls.levels.length) {
      const position = this.video.currentTime;
      const playing = !this.video.paused;
      this.hls.loadSource(src); // hls.js re-attaches the media for a new ladder
      if (this.loading) this.hls.startLoad(position);
      if (playing) this.play();
    }
    if (current?.progress !== null) setTimeout(() => this.followLadder(src), POLL_INTERVAL_MS);
  }

  /** "Auto" then every rung of the ladder, highest first; the value is the hls.js level index. */
  fillQualityMenu() {
    const options = this.hls.levels
      .map((level, index) => ({ index, height: level.height }))
      .sort((a, b) => b.height - a.height)
      .map(({ index, height }) => new Option(`${height}p`, String(index)));
    this.quality.replaceChildren(new Option(this.data.labelAuto, "-1"), ...options);
    this.quality.value = "-1";
    this.quality.hidden = this.hls.levels.length < 2;
  }

  /** "Auto (720p)" says what automatic mode picked; phones only have room for "Auto". */
  labelAutoQuality() {
    const level = this.hls.levels[this.hls.currentLevel];
    const auto = this.quality.options[0];
    const roomy = this.root.clientWidth > 480;
    if (auto) auto.text = this.hls.autoLevelEnabled && level && roomy ? `${this.data.labelAuto} (${level.height}p)` : this.data.labelAuto;
  }

  play() {
    // play() rejects when autoplay is blocked: the controls stay there for the viewer to press.
    this.video.play().catch(() => {});
  }

  togglePlay() {
    if (this.video.paused || this.video.ended) this.play();
    else this.video.pause();
  }

  seekBy(seconds) {
    this.seekTo(this.video.currentTime + seconds);
  }

  seekTo(seconds) {
    const end = Number.isFinite(this.video.duration) ? this.video.duration : seconds;
    this.video.currentTime = Math.min(Math.max(0, seconds), end);
  }

  toggleMute() {
    this.video.muted = !this.video.muted;
  }

  toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (this.root.requestFullscreen) this.root.requestFullscreen().catch(() => {});
    else if (this.video.webkitEnterFullscreen) this.video.webkitEnterFullscreen(); // iPhone Safari
  }

  bindControls() {
    const video = this.video;
    const actions = {
      play: () => this.togglePlay(),
      mute: () => this.toggleMute(),
      fullscreen: () => this.toggleFullscreen(),
    };
    this.root.addEventListener("click", (event) => {
      const button = event.target.closest("[data-action]");
      if (button) actions[button.dataset.action]();
    });
    video.addEventListener("click", () => this.togglePlay());
    video.addEventListener("dblclick", () => this.toggleFullscreen());

    this.seek.addEventListener("input", () => this.seekTo(Number(this.seek.value)));
    this.volume.addEventListener("input", () => {
      video.volume = Number(this.volume.value);
      video.muted = video.volume === 0;
    });
    this.speed.addEventListener("change", () => {
      // The default rate too, or reloading the ladder (new rungs) would reset the speed to 1.
      video.playbackRate = video.defaultPlaybackRate = Number(this.speed.value);
    });
    this.quality.addEventListener("change", () => {
      // Setting currentLevel switches at once (flushing the buffer); -1 gives control back to ABR.
      this.hls.currentLevel = Number(this.quality.value);
      this.labelAutoQuality();
    });

    video.addEventListener("play", () => this.renderPlaying());
    video.addEventListener("pause", () => { this.renderPlaying(); this.savePosition(); });
    video.addEventListener("ended", () => resumeStore.set(this.data.uuid, null));
    video.addEventListener("volumechange", () => this.renderVolume());
    video.addEventListener("durationchange", () => this.renderTime());
    video.addEventListener("timeupdate", () => { this.renderTime(); this.track(); });
    video.addEventListener("seeking", () => { this.lastTick = null; });

    document.addEventListener("keydown", (event) => this.onKey(event));
    document.addEventListener("fullscreenchange", () => {
      this.root.classList.toggle("is-fullscreen", document.fullscreenElement === this.root);
    });
    // Controls fade out while playing and come back when the pointer moves or a key is pressed.
    for (const type of ["pointermove", "keydown", "focusin"]) {
      this.root.addEventListener(type, () => this.wake());
    }
  }

  wake() {
    this.root.classList.remove("is-idle");
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (!this.video.paused) this.root.classList.add("is-idle");
    }, 3000);
  }

  onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const target = event.target;
    if (target.closest("input, textarea, select, [contenteditable], dialog")) return;
    // Space and Enter already press a focused button; let them.
    if (target.closest("button, a") && (event.key === " " || event.key === "Enter")) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    const duration = this.video.duration;
    const handlers = {
      " ": () => this.togglePlay(),
      k: () => this.togglePlay(),
      f: () => this.toggleFullscreen(),
      m: () => this.toggleMute(),
      ArrowLeft: () => this.seekBy(-5),
      ArrowRight: () => this.seekBy(5),
      j: () => this.seekBy(-10),
      l: () => this.seekBy(10),
    };
    if (handlers[key]) {
      handlers[key]();
    } else if (/^[0-9]$/.test(key) && Number.isFinite(duration)) {
      this.seekTo((duration * Number(key)) / 10); // YouTube-style: 3 jumps to 30 %
    } else {
      return;
    }
    event.preventDefault();
  }

  renderPlaying() {
    const playing = !this.video.paused;
    this.root.classList.toggle("is-playing", playing);
    this.root.classList.add("has-started");
    const label = playing ? this.data.labelPause : this.data.labelPlay;
    for (const button of this.root.querySelectorAll('[data-action="play"]')) button.setAttribute("aria-label", label);
    this.wake();
  }

  renderVolume() {
    const muted = this.video.muted || this.video.volume === 0;
    this.root.classList.toggle("is-muted", muted);
    this.volume.value = muted ? 0 : this.video.volume;
    this.root.querySelector('[data-action="mute"]').setAttribute("aria-label", muted ? this.data.labelUnmute : this.data.labelMute);
  }

  renderTime() {
    const { currentTime, duration } = this.video;
    const known = Number.isFinite(duration);
    this.seek.max = known ? duration : 0;
    this.seek.value = currentTime;
    this.seek.setAttribute("aria-valuetext", `${formatTime(currentTime)} / ${formatTime(known ? duration : 0)}`);
    this.root.querySelector(".player-current").textContent = formatTime(currentTime);
    this.root.querySelector(".player-duration").textContent = formatTime(known ? duration : 0);
  }

  /** Counts watched seconds (not seeks) to send one view, and remembers the position now and then. */
  track() {
    const now = this.video.currentTime;
    if (this.lastTick !== null && now > this.lastTick && now - this.lastTick < 1.5) this.played += now - this.lastTick;
    this.lastTick = now;
    if (!this.viewSent && this.played >= VIEW_AFTER_SECONDS) {
      this.viewSent = true;
      fetch(`${this.data.api}/views`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ currentTime: Math.floor(now) }),
      }).catch(() => {});
    }
    if (Math.abs(now - this.lastSaved) >= SAVE_POSITION_EVERY_SECONDS) this.savePosition();
  }

  savePosition() {
    const { currentTime, duration } = this.video;
    this.lastSaved = currentTime;
    // Near the end there is nothing left to resume: start from the beginning next time.
    const finished = Number.isFinite(duration) && duration - currentTime < 5;
    resumeStore.set(this.data.uuid, finished || currentTime < 1 ? null : currentTime);
  }
}

for (const root of document.querySelectorAll("[data-player]")) new Player(root);
