/** The pictures `bimt plot --kind` offers, apart from the drawing code so that the CLI's help can list them cheaply. */
export const PLOT_KINDS = ['network', 'curves', 'task', 'fields', 'ablation'] as const;
export type PlotKind = (typeof PLOT_KINDS)[number];
