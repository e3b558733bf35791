/**
 * Silences Node deprecation warnings printed by npm dependencies (jsdom, under d3-node, uses the
 * deprecated `punycode` module). Imported for its side effect before those dependencies load.
 */
import process from "node:process";

(process as unknown as { noDeprecation: boolean }).noDeprecation = true;
