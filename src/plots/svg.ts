/** Text as it may stand in SVG (XML) content or attributes. */
export const escapeXml = (text: string): string =>
  text.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch] as string);

/**
 * The opening of every plot the service draws: the root element with its size, the title (as
 * `<title>` for tools and as a 16 px heading at (titleX, titleY)), and a white background.
 */
export function svgOpening(width: number, height: number, title: string, titleX: number, titleY = 28): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${titleX}" y="${titleY}" text-anchor="middle" font-size="16">${escapeXml(title)}</text>`,
  ];
}
