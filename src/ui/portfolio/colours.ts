/** One colour per asset (cycled past ten) and a grey for cash, shared by the portfolio charts. */
const ASSET_PALETTE = ['#60a5fa', '#f97316', '#a78bfa', '#facc15', '#f472b6', '#2dd4bf', '#fb7185', '#a3e635', '#38bdf8', '#c084fc'];
export const CASH_COLOUR = '#64748b';

export function assetColour(index: number): string {
  return ASSET_PALETTE[index % ASSET_PALETTE.length];
}

/** Colours for the assets then cash, in the weights chart's order. */
export function weightColours(assets: number): string[] {
  return [...Array.from({ length: assets }, (_, k) => assetColour(k)), CASH_COLOUR];
}
