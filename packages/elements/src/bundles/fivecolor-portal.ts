// The court portal's embed: Lit, @fivecolor/client, the badge, the report and the four litigant
// self-service elements in one minified ES module.
import '../define-portal.js';
