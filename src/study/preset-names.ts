/** The built-in studies' names (presets.ts defines them; the command line lists them without loading it). */
export const PRESET_NAMES = ['paper', 'quick', 'gpu'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];
