// The one-line embed: Lit, @fivecolor/client and every element (badge, report, verify and the four
// self-service elements of a court portal) in one minified ES module. Also built as fivecolor-portal.js,
// the name the court portal's pages used before.
import '../define.js';
