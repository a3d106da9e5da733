// A gauge dial's geometry for a chart area of `width` x `height` pixels, the same rule as the
// native viewer's (src/gui/widgets/gauge.rs, `Dial`): a 270° ring as large as fits with the value
// under its centre, between the ring's ends; labels inside the ring; a needle that ends short of
// the labels, so that neither the needle nor the value ever covers a label, at any size.

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

export function dialLayout(width, height) {
  // The ring reaches `radius` above the centre; the value sits 0.72 radius below it.
  const valueSize = clamp(Math.min(width, height) * 0.1, 11, 22);
  const radius = Math.max(12, Math.min(width * 0.46, (height - valueSize - 8) / 1.72));
  const ring = clamp(radius * 0.12, 5, 14);
  const labelSize = clamp(radius * 0.11, 8, 11);
  const labelGap = clamp(radius * 0.08, 3, 8);
  // Labels' inner edge: inside the ring, past the label's own size.
  const labelsInner = radius - ring - labelGap - labelSize * 2.4;
  return {
    center: [width / 2, radius + 4],
    radius,
    ring,
    ticks: radius < 45 ? 2 : radius < 80 ? 5 : 10,
    tickLength: clamp(radius * 0.1, 3, 10),
    labelSize,
    labelGap,
    labelsInner,
    pointerLength: Math.max(4, labelsInner - labelSize / 2 - 4),
    pointerWidth: clamp(radius * 0.05, 2, 5),
    valueSize,
    valueOffset: radius * 0.72,
  };
}
