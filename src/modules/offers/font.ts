// The TTF embedded in offer PDFs: DejaVu Sans from the dejavu-fonts-ttf package, bundled as a Data module
// (wrangler.toml [[rules]] type = "Data"; the test config mirrors that rule). No font is fetched at run time.
import dejaVuSans from 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf';
import dejaVuSansBold from 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf';

export const FONT_REGULAR: ArrayBuffer = dejaVuSans;
export const FONT_BOLD: ArrayBuffer = dejaVuSansBold;
