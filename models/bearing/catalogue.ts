/**
 * Built-in bearing catalogue. Names match case-insensitively, ignoring spaces, dashes and dots,
 * and each entry lists its aliases (e.g. CWRU's "6205-2RS JEM SKF").
 */
import { PdmError } from '../../common/errors.ts';
import type { BearingGeometry } from './geometry.ts';

const INCH_MM = 25.4;

interface CatalogueEntry {
  geometry: BearingGeometry;
  aliases: readonly string[];
  source: string;
}

const ENTRIES: readonly CatalogueEntry[] = [
  {
    geometry: { name: '6205-2RS', balls: 9, ballDiameterMm: 0.3126 * INCH_MM, pitchDiameterMm: 1.537 * INCH_MM, contactAngleDeg: 0 },
    aliases: ['6205', '6205-2RS JEM', '6205-2RS JEM SKF', 'SKF 6205-2RS', 'SKF 6205'],
    source: 'SKF deep groove ball bearing; geometry of the CWRU drive-end bearing (9 balls, 0.3126 in, pitch 1.537 in)',
  },
  {
    geometry: { name: '6203-2RS', balls: 8, ballDiameterMm: 0.2656 * INCH_MM, pitchDiameterMm: 1.122 * INCH_MM, contactAngleDeg: 0 },
    aliases: ['6203', '6203-2RS JEM', '6203-2RS JEM SKF', 'SKF 6203-2RS', 'SKF 6203'],
    source: 'SKF deep groove ball bearing; geometry of the CWRU fan-end bearing (8 balls, 0.2656 in, pitch 1.122 in)',
  },
  {
    geometry: { name: 'ZA-2115', balls: 16, ballDiameterMm: 0.331 * INCH_MM, pitchDiameterMm: 2.815 * INCH_MM, contactAngleDeg: 15.17 },
    aliases: ['Rexnord ZA-2115', 'ZA2115', 'IMS'],
    source: 'Rexnord double-row bearing of the IMS/NASA run-to-failure test (16 rollers, 0.331 in, pitch 2.815 in, 15.17 deg)',
  },
  {
    geometry: { name: 'FEMTO-PRONOSTIA', balls: 13, ballDiameterMm: 3.5, pitchDiameterMm: 25.6, contactAngleDeg: 0 },
    aliases: ['FEMTO', 'PRONOSTIA'],
    source: 'FEMTO-ST PRONOSTIA test bearing (13 balls, 3.5 mm, pitch 25.6 mm)',
  },
];

function normalise(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

const BY_KEY = new Map<string, CatalogueEntry>();
for (const e of ENTRIES) {
  for (const alias of [e.geometry.name as string, ...e.aliases]) BY_KEY.set(normalise(alias), e);
}

export const KNOWN_BEARINGS: readonly string[] = ENTRIES.map((e) => e.geometry.name as string);

/** The catalogue geometry for `name`, or PDM_ERR_BEARING_UNKNOWN listing the known names. */
export function lookupBearing(name: string): BearingGeometry {
  const e = BY_KEY.get(normalise(name));
  if (e === undefined) {
    throw new PdmError(
      'PDM_ERR_BEARING_UNKNOWN',
      `unknown bearing '${name}'; known: ${KNOWN_BEARINGS.join(', ')} (or give the geometry: balls=9,ball=7.94,pitch=39.04,angle=0)`,
      { name, known: KNOWN_BEARINGS },
    );
  }
  return { ...e.geometry };
}

export function bearingSource(name: string): string {
  return (BY_KEY.get(normalise(name)) ?? { source: '' }).source;
}
