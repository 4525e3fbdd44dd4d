// P2P for the player: viewers of the same public video share its segments over WebRTC with
// p2p-media-loader (served by the instance from static/vendor/, bundled by `npm run build`). Viewers
// meet through this instance's tracker (/tracker/socket) and learn their address from its STUN
// responder only: no third party ever sees them. Every segment received from a peer is checked against
// the video's segments-sha256.json before hls.js gets it (a bad one is dropped and fetched over HTTP).
// Segments needed soon come over HTTP; the ones further ahead are asked of peers first. The viewer is
// told that sharing shows their address and turns it off with one click, remembered in localStorage.
// The server only renders the data-p2p-* attributes for videos that may be shared (public ones, P2P on).

const OFF_KEY = "sideways:p2p:off";
// Seconds ahead of the play position fetched over HTTP right away; beyond them, from peers if they have them.
const URGENT_SECONDS = 6;

const preference = {
  get off() {
    try {
      return localStorage.getItem(OFF_KEY) === "1";
    } catch {
      return false;
    }
  },
  set off(value) {
    try {
      if (value) localStorage.setItem(OFF_KEY, "1");
      else localStorage.removeItem(OFF_KEY);
    } catch {
      // Storage unavailable: the choice lasts as long as the page.
    }
  },
};

/**
 * The fragment loader class `Loader` (p2p-media-loader's) made to hand hls.js a copy of every fragment.
 * p2p-media-loader keeps the very buffer it gives hls.js as the segment it shares, while hls.js transfers
 * that buffer to its transmuxing worker (which empties it here) or shifts its timestamps in place: peers
 * would then be sent an empty or altered segment, which they refuse.
 */
function copyingFragments(Loader) {
  const copy = (data) => (data instanceof ArrayBuffer ? data.slice(0) : data);
  return class extends Loader {
    load(context, config, callbacks) {
      super.load(context, config, {
        ...callbacks,
        onProgress: callbacks.onProgress && ((stats, ctx, data, details) => callbacks.onProgress(stats, ctx, copy(data), details)),
        onSuccess: (response, stats, ctx, details) => callbacks.onSuccess({ ...response, data: copy(response.data) }, stats, ctx, details),
      });
    }
  };
}

function formatBytes(bytes) {
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} kB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export class P2P {
  /** For the `[data-player]` block `root`, checking peers' segments with `segments` (a SegmentHashes);
   * `available` is false when this video is not shared at all. */
  constructor(root, segments) {
    this.root = root;
    this.data = root.dataset;
    this.segments = segments;
    // Without checks (no crypto.subtle off secure origins) no segment from a peer could be trusted.
    this.available = Boolean(this.data.p2pSwarm && window.RTCPeerConnection && segments.available);
    this.panel = root.querySelector(".player-p2p");
    this.enabled = false; // the P2P engine is mixed into hls.js
    this.engine = null;
    this.peers = new Set();
    this.distrusted = false; // a peer sent a wrong segment: no more downloads from peers on this page
    this.stats = { fromPeers: 0, fromHttp: 0, shared: 0, segmentsFromPeers: 0, segmentsChecked: 0, segmentsRejected: 0 };
  }

  /** hls.js with the P2P engine mixed in (or hls.js itself when this video is not shared). */
  async hlsClass(Hls) {
    if (!this.available) return Hls;
    try {
      const { HlsJsP2PEngine } = await import(this.data.p2pLib);
      this.enabled = true;
      this.panel.hidden = false;
      this.panel.querySelector(".player-p2p-toggle").addEventListener("click", () => this.toggle());
      this.render();
      return HlsJsP2PEngine.injectMixin(Hls);
    } catch {
      return Hls; // the library failed to load: play over HTTP
    }
  }

  /** The `p2p` part of the hls.js configuration. */
  config() {
    const off = preference.off;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    return {
      core: {
        swarmId: this.data.p2pSwarm,
        announceTrackers: [`${scheme}://${location.host}/tracker/socket`],
        rtcConfig: { iceServers: JSON.parse(this.data.p2pStun).map((url) => ({ urls: url })) },
        highDemandTimeWindow: URGENT_SECONDS,
        isP2PDisabled: off,
        isP2PUploadDisabled: off,
        validateP2PSegment: (url, byteRange, data) => this.check(url, byteRange, data),
      },
      onHlsJsCreated: (hls) => {
        hls.config.fLoader = copyingFragments(hls.config.fLoader);
        this.watch(hls.p2pEngine);
      },
    };
  }

  /** Whether a segment from a peer is the one segments-sha256.json describes. */
  async check(url, byteRange, data) {
    const valid = await this.segments.check(url, byteRange, data);
    this.stats[valid ? "segmentsChecked" : "segmentsRejected"] += 1;
    if (!valid) this.distrustPeers();
    return valid;
  }

  /** A peer sent bytes that are not the segment: take nothing more from peers on this page, as a mirror
   * that serves wrong bytes is skipped; the rest comes over HTTP (sharing what we have goes on). */
  distrustPeers() {
    if (this.distrusted) return;
    this.distrusted = true;
    this.engine?.applyDynamicConfig({ core: { isP2PDisabled: true } });
  }

  watch(engine) {
    this.engine = engine;
    engine.addEventListener("onPeerConnect", ({ peerId }) => { this.peers.add(peerId); this.render(); });
    engine.addEventListener("onPeerClose", ({ peerId }) => { this.peers.delete(peerId); this.render(); });
    engine.addEventListener("onChunkDownloaded", (bytes, source) => {
      this.stats[source === "p2p" ? "fromPeers" : "fromHttp"] += bytes;
      this.render();
    });
    engine.addEventListener("onChunkUploaded", (bytes) => { this.stats.shared += bytes; this.render(); });
    engine.addEventListener("onSegmentLoaded", ({ downloadSource }) => {
      if (downloadSource === "p2p") this.stats.segmentsFromPeers += 1;
    });
  }

  toggle() {
    preference.off = !preference.off;
    const off = preference.off;
    this.engine?.applyDynamicConfig({ core: { isP2PDisabled: off || this.distrusted, isP2PUploadDisabled: off } });
    if (off) this.peers.clear();
    this.render();
  }

  render() {
    const off = preference.off;
    const state = off
      ? this.data.labelP2pOff
      : this.data.labelP2pStats
        .replace("{peers}", String(this.peers.size))
        .replace("{received}", formatBytes(this.stats.fromPeers))
        .replace("{shared}", formatBytes(this.stats.shared));
    this.panel.querySelector(".player-p2p-state").textContent = state;
    this.panel.querySelector(".player-p2p-toggle").textContent = off ? this.data.labelP2pEnable : this.data.labelP2pDisable;
  }
}
