// Bundles p2p-media-loader (published as ES modules only) into static/vendor/p2p-media-loader/, run by
// `npm run build` at set-up, with one fix to the library.
//
// p2p-media-loader-core 2.2.2 (2.3.1 too) forgets the size of a segment when a download of it fails
// (Request.clearLoadedBytes). For a byte-range segment (our fMP4 HLS: one file per rendition, one
// byte range per segment) every later HTTP attempt then fails its own Content-Range check, silently,
// until the library's 3 s no-bytes timeout, again and again: the player stalls at that segment for
// good. A segment with a byte range always has the size of its range, so we keep that one.
import { readFile } from "node:fs/promises";
import { build } from "esbuild";

const CORE = "node_modules/p2p-media-loader-core/dist/p2p-media-loader-core.es.js";
const HLSJS = "node_modules/p2p-media-loader-hlsjs/dist/p2p-media-loader-hlsjs.es.js";
const FORGETS_SIZE = "this.bytes = [];\n    this._totalBytes = void 0;";
const KEEPS_SIZE =
  "this.bytes = [];\n    this._totalBytes = this.segment.byteRange ? this.segment.byteRange.end - this.segment.byteRange.start + 1 : void 0;";

const keepByteRangeSize = {
  name: "keep-byte-range-size",
  setup(esbuild) {
    esbuild.onLoad({ filter: /p2p-media-loader-core\.es\.js$/ }, async ({ path }) => {
      const source = await readFile(path, "utf8");
      if (source.split(FORGETS_SIZE).length !== 2) {
        throw new Error(`${CORE}: the code this fix replaces is not there (another version?): check the fix`);
      }
      return { contents: source.replace(FORGETS_SIZE, KEEPS_SIZE), loader: "js" };
    });
  },
};

await build({
  stdin: { contents: 'export { HlsJsP2PEngine } from "p2p-media-loader-hlsjs";', resolveDir: process.cwd() },
  bundle: true,
  format: "esm",
  minify: true,
  legalComments: "none",
  target: "es2020",
  logLevel: "warning",
  alias: { "p2p-media-loader-core": `./${CORE}`, "p2p-media-loader-hlsjs": `./${HLSJS}` },
  plugins: [keepByteRangeSize],
  outfile: "static/vendor/p2p-media-loader/p2p-media-loader.js",
});
