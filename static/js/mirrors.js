// Peers' mirrors of the video ("instances réplicantes", docs/redundancy.md): other instances keep a copy of
// its HLS files, under the same file names, and the page lists their base URLs (data-mirrors) only when the
// instance lets viewers go there. Segment requests then go in turn to this instance and to each mirror;
// every segment from a mirror is checked against segments-sha256.json (static/js/segments.js) before
// hls.js gets it. A mirror that fails, or serves other bytes, is left out for the rest of the page's life,
// and that segment is fetched from this instance at once. Init segments (not in the hashes) come from us.

export class Mirrors {
  /** For the `[data-player]` block `root`, checking mirrors' segments with `segments` (a SegmentHashes). */
  constructor(root, segments) {
    this.segments = segments;
    const urls = (root.dataset.mirrors || "").split(" ").filter(Boolean);
    this.mirrors = segments.available ? urls : [];
    this.bad = new Set();
    this.turn = 0;
    // Segments fetched from us and from mirrors, and the mirrors' rejected ones (wrong bytes or failures).
    this.stats = { fromUs: 0, fromMirrors: 0, mirrorFailures: 0 };
  }

  get available() {
    return this.mirrors.length > 0;
  }

  /** The next place to fetch a media segment from: a mirror's base URL, or null for this instance. */
  next() {
    const places = [null, ...this.mirrors.filter((url) => !this.bad.has(url))];
    this.turn = (this.turn + 1) % places.length;
    return places[this.turn];
  }

  /** The hls.js fragment loader class `Loader` made to fetch some segments from mirrors with `Http`
   * (hls.js's own HTTP loader; `Loader` may be P2P's, which only knows this instance's URLs). */
  loader(Loader, Http) {
    const mirrors = this;
    return class {
      constructor(config) {
        this.config = config;
        this.ours = new Loader(config);
        // hls.js keeps this object as the fragment's timings, for its bandwidth estimate.
        this.stats = this.ours.stats;
        this.attempt = null;
        this.aborted = false;
      }

      get context() {
        return this.ours.context ?? this.attempt?.context;
      }

      load(context, config, callbacks) {
        const mirror = context.frag?.sn === "initSegment" ? null : mirrors.next();
        if (mirror === null) {
          mirrors.stats.fromUs += 1;
          this.ours.load(context, config, callbacks);
          return;
        }
        const fallBack = () => {
          this.attempt = null; // finished: nothing of it to abort any more
          mirrors.bad.add(mirror);
          mirrors.stats.mirrorFailures += 1;
          mirrors.stats.fromUs += 1;
          if (!this.aborted) this.ours.load(context, config, callbacks);
        };
        const name = new URL(context.url, location.href).pathname.split("/").pop();
        const range = context.rangeEnd ? { start: context.rangeStart, end: context.rangeEnd - 1 } : null;
        this.attempt = new Http(this.config);
        this.attempt.load({ ...context, url: `${mirror}/${name}` }, config, {
          onSuccess: async (response, stats, _context, details) => {
            if (this.aborted) return;
            if (!(await mirrors.segments.check(context.url, range, response.data))) return fallBack();
            if (this.aborted) return;
            this.attempt = null;
            mirrors.stats.fromMirrors += 1;
            Object.assign(this.stats, stats);
            callbacks.onSuccess({ ...response, url: context.url }, this.stats, context, details);
          },
          onError: fallBack,
          onTimeout: fallBack,
          onAbort: () => callbacks.onAbort?.(this.stats, context, null),
        });
      }

      abort() {
        this.aborted = true;
        this.attempt?.abort();
        this.ours.abort();
      }

      destroy() {
        this.attempt?.destroy();
        this.ours.destroy();
      }
    };
  }
}
