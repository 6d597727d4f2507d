import { html } from 'lit';
import QRCode from 'qrcode';

/**
 * A QR code of `text` as an inline SVG (dark modules as one path, a 4-module quiet zone), drawn
 * from the `qrcode` package's matrix: no canvas, prints sharp.
 */
export const qrSvg = (text: string, label: string) => {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = modules.size;
  let d = '';
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) if (modules.get(r, c)) d += `M${c + 4} ${r + 4}h1v1h-1z`;
  return html`<svg part="qr" class="qr" role="img" aria-label=${label} viewBox="0 0 ${n + 8} ${n + 8}" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path d=${d} fill="#000"/></svg>`;
};
