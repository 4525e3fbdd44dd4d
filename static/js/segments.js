// The check every segment not fetched from this instance goes through (from a peer, static/js/p2p.js, or
// from a mirror, static/js/mirrors.js): its SHA-256 must be the one the video's segments-sha256.json gives
// for its file and byte range (keys "<first>-<last>", both included, as PeerTube writes them).

function toHex(buffer) {
  return Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export class SegmentHashes {
  /** `url`: the video's segments-sha256.json, fetched on the first check. */
  constructor(url) {
    this.url = url;
    this.hashes = null;
    this.checked = 0;
    this.rejected = 0;
  }

  /** Whether checks can run: crypto.subtle only exists on secure origins. */
  get available() {
    return Boolean(this.url && window.crypto?.subtle);
  }

  /** Whether `data` is the segment at `url`, bytes `byteRange.start` to `byteRange.end` (included). */
  async check(url, byteRange, data) {
    this.hashes ??= fetch(this.url)
      .then((response) => (response.ok ? response.json() : Promise.reject(new Error(`HTTP ${response.status}`))))
      .catch(() => {
        this.hashes = null; // ask again for the next segment
        return {};
      });
    const entry = (await this.hashes)[new URL(url, location.href).pathname.split("/").pop()];
    const expected = typeof entry === "string" ? entry : entry?.[byteRange ? `${byteRange.start}-${byteRange.end}` : ""];
    const valid = expected !== undefined && toHex(await crypto.subtle.digest("SHA-256", data)) === expected;
    if (valid) this.checked += 1;
    else this.rejected += 1;
    return valid;
  }
}
